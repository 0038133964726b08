import type { Diagnosis } from '@leafcheck/diagnosis/types';
import { feedbackRecord } from '@leafcheck/sync';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../lib/uuidv7.ts';
import { buildFeedbackRecord, coarseLocation } from './build-record.ts';

const diagnosis: Diagnosis = {
  kind: 'diagnosis',
  crop: 'Tomato',
  disease: 'Tomato___Late_blight',
  probability: 0.91,
  advice: null,
  photos: { total: 1, agreeing: 1 },
  crops: [{ label: 'Tomato', probability: 0.97 }],
  alternatives: [
    { label: 'Tomato___Late_blight', probability: 0.91 },
    { label: 'Tomato___Early_blight', probability: 0.06 },
  ],
  bundleVersion: '1.0.0',
  elapsedMs: 120,
};
const notALeaf: Diagnosis = {
  ...diagnosis,
  kind: 'not-sure',
  reason: 'not-a-leaf',
  crop: undefined,
  disease: undefined,
  probability: undefined,
  alternatives: [],
  crops: [{ label: 'Background_without_leaves', probability: 0.8 }],
};
const base = {
  deviceId: 'dev-12345678',
  appVersion: '0.1.0',
  diagnosedAt: '2026-11-29T12:00:00.000Z',
  now: new Date('2026-11-29T12:05:00Z'),
};

describe('buildFeedbackRecord', () => {
  it('builds a record the sync schema accepts, with top-k from the diagnosis', () => {
    const record = buildFeedbackRecord({ ...base, id: uuidv7(), diagnosis, verdict: { kind: 'right' }, note: '  dry season  ' });
    expect(feedbackRecord.safeParse(record).success).toBe(true);
    expect(record.prediction).toEqual({ kind: 'diagnosis', crop: 'Tomato', topK: diagnosis.alternatives });
    expect(record.note).toBe('dry season');
    expect(record.photoJpegBase64).toBeUndefined();
    expect(record.location).toBeUndefined();
  });

  it('uses the crop answer as the prediction when the photo was not a leaf', () => {
    const record = buildFeedbackRecord({ ...base, id: uuidv7(), diagnosis: notALeaf, verdict: { kind: 'not-sure' } });
    expect(record.prediction.topK).toEqual([{ label: 'Background_without_leaves', probability: 0.8 }]);
  });

  it('rounds a shared location to 0.1 degree', () => {
    expect(coarseLocation({ lat: 0.34768, lon: 32.58252 })).toEqual({ lat: 0.3, lon: 32.6 });
    const record = buildFeedbackRecord({
      ...base,
      id: uuidv7(),
      diagnosis,
      verdict: { kind: 'right' },
      position: { lat: -1.29, lon: 36.82 },
    });
    expect(record.location).toEqual({ lat: -1.3, lon: 36.8 });
  });

  it('refuses a wrong-verdict without a corrected label, naming the field', () => {
    const verdict = { kind: 'wrong', correctedLabel: '' } as const;
    expect(() => buildFeedbackRecord({ ...base, id: uuidv7(), diagnosis, verdict })).toThrow(/correctedLabel/);
  });
});
