import { describe, expect, it } from 'vitest';
import { argmax, countAgreeing, meanProbabilities } from '../src/combine.ts';

describe('combining photos', () => {
  it('means probabilities', () => {
    expect(
      Array.from(
        meanProbabilities([
          [0.8, 0.2],
          [0.6, 0.4],
        ]),
      ),
    ).toEqual([0.7, 0.30000000000000004]);
  });
  it('one bad photo does not veto the class the others agree on', () => {
    const m = meanProbabilities([
      [0.9, 0.1],
      [0.9, 0.1],
      [0.001, 0.999],
    ]);
    expect(argmax(m)).toBe(0);
  });
  it('counts agreeing photos', () => {
    expect(
      countAgreeing(
        [
          [0.9, 0.1],
          [0.3, 0.7],
          [0.6, 0.4],
        ],
        0,
      ),
    ).toBe(2);
  });
  it('refuses no photos or mismatched class counts', () => {
    expect(() => meanProbabilities([])).toThrow(RangeError);
    expect(() => meanProbabilities([[1], [0.5, 0.5]])).toThrow(RangeError);
  });
});
