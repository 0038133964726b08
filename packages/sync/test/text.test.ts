import { describe, expect, it } from 'vitest';
import { feedbackRecord } from '../src/feedback-record.ts';
import { base64Text, textProblem, wellFormedText } from '../src/text.ts';
import { makeRecord } from './fixtures.ts';

describe('the text policy', () => {
  it.each([
    ['plain ASCII', 'leaf spots'],
    ['tab and line breaks', 'a\tb\nc\r\nd'],
    ['accents and CJK', 'mancha café 番茄晚疫病'],
    ['emoji (surrogate pairs)', 'tomato 🍅🌿 at the end 😀'],
    ['combining marks and RTL text', 'e\u0301 שלום عربي'],
    ['a literal U+FFFD and U+2028', 'replacement \ufffd separator \u2028'],
    ['the empty string', ''],
  ])('accepts %s', (_name, s) => {
    expect(textProblem(s)).toBeNull();
  });

  it.each([
    ['a lone high surrogate', 'x\ud800y', 'contains a lone surrogate (U+D800 at 1): send well-formed Unicode text'],
    ['a lone high surrogate at the end', 'abc\udbff', 'contains a lone surrogate (U+DBFF at 3): send well-formed Unicode text'],
    ['a lone low surrogate', '\udc00z', 'contains a lone surrogate (U+DC00 at 0): send well-formed Unicode text'],
    ['a reversed pair', '\ude00\ud83d', 'contains a lone surrogate (U+DE00 at 0): send well-formed Unicode text'],
    ['NUL', 'a\u0000b', 'contains the control character U+0000 at 1'],
    ['escape', 'a\u001b[31m', 'contains the control character U+001B at 1'],
    ['DEL', '\u007f', 'contains the control character U+007F at 0'],
  ])('refuses %s, saying where', (_name, s, message) => {
    expect(textProblem(s)).toBe(message);
  });

  it('keeps the length limits chained after it', () => {
    const schema = wellFormedText().min(2).max(3);
    expect(schema.safeParse('ab').success).toBe(true);
    expect(schema.safeParse('abcd').success).toBe(false);
    expect(schema.safeParse('a').success).toBe(false);
    expect(schema.safeParse('a\ud800').error?.issues.map((i) => i.message)).toContain(
      'contains a lone surrogate (U+D800 at 1): send well-formed Unicode text',
    );
  });

  it('base64 refuses what Node would silently skip', () => {
    expect(base64Text().safeParse('/9j/4AAQ+w==').success).toBe(true);
    expect(base64Text().safeParse('/9j/4A AQ').success).toBe(false);
    expect(base64Text().safeParse('/9j/4A-_').success).toBe(false);
    expect(base64Text().safeParse('ab=c').success).toBe(false);
  });
});

describe('every free-text field of a feedback record follows it', () => {
  const cases: Array<[path: string, overrides: object]> = [
    ['note', { note: 'x\ud800y' }],
    ['deviceId', { deviceId: 'device-\udfff-1' }],
    ['appVersion', { appVersion: '1.0\u0000' }],
    ['bundleVersion', { bundleVersion: '\ud800' }],
    ['prediction.crop', { prediction: { kind: 'diagnosis', crop: 'Tom\ud800', topK: [{ label: 'A___b', probability: 1 }] } }],
    ['prediction.topK.0.label', { prediction: { kind: 'diagnosis', topK: [{ label: 'A___b\udc00', probability: 1 }] } }],
    ['verdict.correctedLabel', { verdict: { kind: 'wrong', correctedLabel: 'Tomato___\ud83d' } }],
    ['photoJpegBase64', { photoJpegBase64: '/9j/\u00e9' }],
  ];
  it.each(cases)('%s', (path, overrides) => {
    const parsed = feedbackRecord.safeParse({ ...makeRecord(1), ...overrides });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual([path]);
  });
});
