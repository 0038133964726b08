import { describe, expect, it } from 'vitest';
import { decide, ranked, readCrop } from '../src/decide.ts';

const t = { notALeaf: 0.5, crop: 0.6, disease: 0.55, margin: 0.1 };
const crops = { Bean: ['Bean___rust', 'Bean___healthy'], Tomato: ['Tomato___blight', 'Tomato___healthy'] };
const chosen = { crop: 'Bean', probability: 0.2, chosen: true };
const d = (a: number, b: number) => ranked(['A', 'B'], [a, b]);

describe('readCrop', () => {
  const r = ranked(['Bean', 'Tomato', 'None'], [0.3, 0.6, 0.1]);
  it('takes the top crop when none is chosen', () => {
    expect(readCrop(r, crops, undefined)).toEqual({ crop: 'Tomato', probability: 0.6, chosen: false });
  });
  it('skips not-a-leaf when it ranks first', () => {
    expect(readCrop(ranked(['Bean', 'Tomato', 'None'], [0.3, 0.1, 0.6]), crops, undefined).crop).toBe('Bean');
  });
  it("keeps the farmer's crop even when the model disagrees", () => {
    expect(readCrop(r, crops, 'Bean')).toEqual({ crop: 'Bean', probability: 0.3, chosen: true });
  });
  it('refuses a crop the bundle does not know', () => {
    expect(() => readCrop(r, crops, 'Cassava')).toThrow(expect.objectContaining({ name: 'CROP_UNKNOWN' }));
  });
});

describe('decide', () => {
  it('diagnoses when clear', () => {
    expect(decide(0.1, chosen, d(0.9, 0.1), t)).toEqual({ kind: 'diagnosis' });
  });
  it('not a leaf at the threshold', () => {
    expect(decide(0.5, chosen, d(0.9, 0.1), t)).toEqual({ kind: 'not-sure', reason: 'not-a-leaf' });
  });
  it('crop unclear only when the farmer did not choose', () => {
    expect(decide(0.1, { ...chosen, chosen: false }, d(0.9, 0.1), t)).toEqual({ kind: 'not-sure', reason: 'crop-unclear' });
    expect(decide(0.1, { ...chosen, chosen: false, probability: 0.6 }, d(0.9, 0.1), t).kind).toBe('diagnosis');
  });
  it('too close when the top two are within the margin', () => {
    expect(decide(0.1, chosen, d(0.52, 0.48), t)).toEqual({ kind: 'not-sure', reason: 'too-close' });
  });
  it('low confidence below the disease threshold', () => {
    const three = ranked(['A', 'B', 'C'], [0.5, 0.25, 0.25]);
    expect(decide(0.1, chosen, three, t)).toEqual({ kind: 'not-sure', reason: 'low-confidence' });
  });
});
