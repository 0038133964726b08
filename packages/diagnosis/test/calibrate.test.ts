import { describe, expect, it } from 'vitest';
import { calibratedSoftmax, pick } from '../src/calibrate.ts';

describe('calibratedSoftmax', () => {
  it('sums to 1 and keeps the order', () => {
    const p = calibratedSoftmax([1, 3, 2], 1);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[2] as number);
    expect(p[0]).toBeCloseTo(Math.exp(1) / (Math.exp(1) + Math.exp(3) + Math.exp(2)), 12);
  });
  it('a temperature above 1 softens, below 1 sharpens', () => {
    const t1 = calibratedSoftmax([0, 2], 1)[1] as number;
    expect(calibratedSoftmax([0, 2], 2)[1]).toBeLessThan(t1);
    expect(calibratedSoftmax([0, 2], 0.5)[1]).toBeGreaterThan(t1);
    expect(calibratedSoftmax([0, 2], 2)[1]).toBeCloseTo(calibratedSoftmax([0, 1], 1)[1] as number, 12);
  });
  it('does not overflow on large logits', () => {
    const p = calibratedSoftmax([1000, 1001], 1);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
  it('refuses a non-positive temperature and NaN logits', () => {
    expect(() => calibratedSoftmax([1, 2], 0)).toThrow(RangeError);
    expect(() => calibratedSoftmax([Number.NaN, Number.NaN], 1)).toThrow(RangeError);
  });
  it('pick selects by index', () => {
    expect(pick(new Float32Array([5, 6, 7]), [2, 0])).toEqual([7, 5]);
  });
});
