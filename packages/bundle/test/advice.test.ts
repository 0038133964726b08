import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateAdviceTypes } from '../scripts/generate-types.ts';
import { AdviceError, adviceFor, adviceLabelsFor, checkAdviceLabels, parseAdvice } from '../src/advice.ts';
import type { Advice } from '../src/advice.types.ts';
import { parseManifest } from '../src/manifest.ts';
import { FIXTURES } from './fixtures.ts';

const realText = readFileSync(new URL('../../../trainer/advice/advice.json', import.meta.url), 'utf8');

function rejection(text: string): AdviceError {
  try {
    parseAdvice(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AdviceError);
    return err as AdviceError;
  }
  throw new Error('advice was accepted');
}

function mutated(change: (a: Advice) => void): string {
  const advice = JSON.parse(realText) as Advice;
  change(advice);
  return JSON.stringify(advice);
}

describe('the real trainer/advice/advice.json', () => {
  const advice = parseAdvice(realText);

  it('parses, with an entry for all 37 classes plus not-a-leaf', () => {
    expect(Object.keys(advice.entries)).toHaveLength(38);
    expect(adviceFor(advice, 'Tomato___Late_blight')?.urgency).toBe('high');
    expect(adviceFor(advice, 'Corn_(maize)___Cercospora_leaf_spot Gray_leaf_spot')?.name).toBe('Gray leaf spot');
    expect(adviceFor(advice, 'Background_without_leaves')?.urgency).toBe('none');
  });

  it('returns null for a label without advice, including prototype names', () => {
    expect(adviceFor(advice, 'Tomato___Mystery')).toBeNull();
    expect(adviceFor(advice, 'constructor')).toBeNull();
  });
});

describe('malformed advice is rejected with a specific message', () => {
  it('an entry missing a field', () => {
    const err = rejection(mutated((a) => delete (a.entries.Bean___Bean_rust as Partial<Advice['entries'][string]>).actions));
    expect(err.code).toBe('ADVICE_SCHEMA');
    expect(err.message).toContain('advice.json does not match the schema at /entries/Bean___Bean_rust');
    expect(err.message).toContain('"actions"');
  });

  it('an unknown urgency', () => {
    const err = rejection(mutated((a) => Object.assign(a.entries.Bean___healthy ?? {}, { urgency: 'urgent' })));
    expect(err.code).toBe('ADVICE_SCHEMA');
    expect(err.message).toContain('/entries/Bean___healthy/urgency');
  });

  it('a newer format version', () => {
    const err = rejection(mutated((a) => Object.assign(a, { formatVersion: 2 })));
    expect(err.code).toBe('UNSUPPORTED_ADVICE_FORMAT_VERSION');
    expect(err.message).toContain('format version 2');
  });

  it('text that is not JSON', () => {
    expect(rejection('{"formatVersion": 1,').code).toBe('ADVICE_NOT_JSON');
  });
});

describe('advice against a bundle manifest', () => {
  const manifest = parseManifest(readFileSync(`${FIXTURES}signed-by-python/manifest.json`, 'utf8'));
  const labels = adviceLabelsFor(manifest);

  it('the fixture bundle ships advice for exactly its disease labels and not-a-leaf', () => {
    expect(labels).toContain('Background_without_leaves');
    const advice = parseAdvice(readFileSync(`${FIXTURES}signed-by-python/advice.json`, 'utf8'));
    expect(() => checkAdviceLabels(advice, labels)).not.toThrow();
  });

  it('names missing and unknown labels', () => {
    const real = parseAdvice(realText);
    const err = (() => {
      try {
        checkAdviceLabels(real, [...labels, 'Bean___Mystery']);
      } catch (e) {
        return e as AdviceError;
      }
      throw new Error('accepted');
    })();
    expect(err.code).toBe('ADVICE_LABELS');
    expect(err.message).toContain('missing: Bean___Mystery;');
    expect(err.message).toContain('Apple___Apple_scab');
  });
});

describe('generated types', () => {
  it('src/advice.types.ts is up to date with the schema', async () => {
    const committed = readFileSync(new URL('../src/advice.types.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateAdviceTypes());
  });
});
