import type { Orientation } from './exif.ts';
import type { RgbImage } from './image.ts';

/**
 * Turns a stored image upright according to its EXIF orientation, so the square crop and the
 * model see the leaf the way the farmer framed it. Orientations 5-8 swap width and height.
 */
export function applyOrientation(img: RgbImage, orientation: Orientation): RgbImage {
  if (orientation === 1) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // Source pixel (sx, sy) for output (x, y): the inverse of the EXIF transform.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          sy = y;
          break; // mirror horizontal
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break; // rotate 180
        case 4:
          sx = x;
          sy = h - 1 - y;
          break; // mirror vertical
        case 5:
          sx = y;
          sy = x;
          break; // transpose
        case 6:
          sx = y;
          sy = h - 1 - x;
          break; // rotate 90 clockwise to view
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break; // transverse
        default:
          sx = w - 1 - y;
          sy = x;
          break; // 8: rotate 270 clockwise to view
      }
      const s = (sy * w + sx) * 3;
      const o = (y * ow + x) * 3;
      out[o] = data[s] as number;
      out[o + 1] = data[s + 1] as number;
      out[o + 2] = data[s + 2] as number;
    }
  }
  return { width: ow, height: oh, data: out };
}
