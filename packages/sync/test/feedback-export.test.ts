// The shared export fixtures: TypeScript agrees with the schema's verdict on each (trainer/tests/test_feedback_source.py
// checks the same file in Python), and the review route's label rule matches the schema's.
import { describe, expect, it } from 'vitest';
import cases from '../fixtures/feedback-export/cases.json' with { type: 'json' };
import { feedbackExportErrors, labelProblem } from '../src/feedback-export.ts';

describe('feedback export schema (shared fixtures)', () => {
  for (const c of cases.cases) {
    it(`${c.name}: ${c.valid ? 'valid' : 'refused'} (${c.why})`, () => {
      const errors = feedbackExportErrors(c.document);
      expect(errors.length === 0, errors.join('; ')).toBe(c.valid);
    });
  }

  it('labelProblem agrees with the schema on every fixture label', () => {
    for (const c of cases.cases) {
      const record = c.document.records[0] as { label: string; newClass: boolean } | undefined;
      if (
        record === undefined ||
        ![
          'known-label',
          'new-class-48-cjk',
          'new-class-ascii',
          'label-137-chars',
          'label-with-slash',
          'label-control-char',
          'new-class-without-crop',
        ].includes(c.name)
      )
        continue;
      expect(labelProblem(record.label, record.newClass) === null, c.name).toBe(c.valid);
    }
  });

  it('says why a label is refused', () => {
    expect(labelProblem(`Tomato___${'x'.repeat(128)}`, true)).toMatch(/at most 128 characters \(this one has 137\)/);
    expect(labelProblem('Cassava mosaic', true)).toMatch(/Crop___Disease/);
    expect(labelProblem('a/b/c', false)).toMatch(/no slash/);
  });
});
