import { describe, expect, it } from 'vitest';
import { checkQuality, type Pixels } from './quality.ts';

/** A leaf-green image with a sharp checkerboard of light and dark green, or a flat fill. */
function image(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

const sharpLeaf = (x: number, y: number): [number, number, number] => (((x >> 2) + (y >> 2)) % 2 === 0 ? [60, 150, 40] : [110, 200, 80]);
const size = { width: 256, height: 256 };

describe('checkQuality', () => {
  it('passes a sharp, well-lit, green photo', () => {
    const report = checkQuality(image(64, 64, sharpLeaf), size);
    expect(report.issues).toEqual([]);
    expect(report.leafFraction).toBe(1);
  });

  it('flags a photo whose smaller side is under 160 px as too small', () => {
    expect(checkQuality(image(64, 64, sharpLeaf), { width: 400, height: 120 }).issues).toEqual(['small']);
  });

  it('flags a dark photo as too dark, and not also as blurred or leafless', () => {
    expect(
      checkQuality(
        image(64, 64, () => [10, 20, 8]),
        size,
      ).issues,
    ).toEqual(['dark']);
  });

  it('flags an overexposed photo as too bright', () => {
    expect(
      checkQuality(
        image(64, 64, (x, y) => ((x + y) % 2 ? [250, 255, 240] : [200, 255, 190])),
        size,
      ).issues,
    ).toContain('bright');
  });

  it('flags a flat image without edges as blurred', () => {
    expect(
      checkQuality(
        image(64, 64, () => [70, 160, 50]),
        size,
      ).issues,
    ).toEqual(['blurred']);
  });

  it('flags a sharp grey scene with no leaf colour as no leaf', () => {
    const grey = (x: number, y: number): [number, number, number] => (((x >> 2) + (y >> 2)) % 2 === 0 ? [90, 90, 95] : [160, 160, 165]);
    expect(checkQuality(image(64, 64, grey), size).issues).toEqual(['noLeaf']);
  });

  it('refuses pixel buffers it cannot analyse', () => {
    expect(() => checkQuality({ width: 2, height: 2, data: new Uint8ClampedArray(16) }, size)).toThrow(RangeError);
    expect(() => checkQuality({ width: 10, height: 10, data: new Uint8ClampedArray(16) }, size)).toThrow(/3x3/);
  });
});
