import { describe, expect, it } from 'vitest';
import type { Orientation } from '../src/exif.ts';
import type { RgbImage } from '../src/image.ts';
import { applyOrientation } from '../src/orient.ts';

// A 3x2 image whose pixels are numbered 0..5 in the red channel:
// 0 1 2
// 3 4 5
const img: RgbImage = { width: 3, height: 2, data: new Uint8Array([0, 1, 2, 3, 4, 5].flatMap((v) => [v, 0, 0])) };
const reds = (i: RgbImage) => Array.from({ length: i.width * i.height }, (_, k) => i.data[k * 3]);

describe('applyOrientation', () => {
  // What a viewer shows for each EXIF orientation (EXIF 2.32, Orientation tag).
  const upright: Record<Orientation, { w: number; px: number[] }> = {
    1: { w: 3, px: [0, 1, 2, 3, 4, 5] },
    2: { w: 3, px: [2, 1, 0, 5, 4, 3] },
    3: { w: 3, px: [5, 4, 3, 2, 1, 0] },
    4: { w: 3, px: [3, 4, 5, 0, 1, 2] },
    5: { w: 2, px: [0, 3, 1, 4, 2, 5] },
    6: { w: 2, px: [3, 0, 4, 1, 5, 2] },
    7: { w: 2, px: [5, 2, 4, 1, 3, 0] },
    8: { w: 2, px: [2, 5, 1, 4, 0, 3] },
  };
  it.each(Object.entries(upright))('orientation %s', (o, want) => {
    const out = applyOrientation(img, Number(o) as Orientation);
    expect(out.width).toBe(want.w);
    expect(out.height).toBe(6 / want.w);
    expect(reds(out)).toEqual(want.px);
  });
  it('6 then 8 is the identity', () => {
    expect(reds(applyOrientation(applyOrientation(img, 6), 8))).toEqual(reds(img));
  });
});
