import { DiagnosisError } from './errors.ts';

/** Decoded pixels as a platform hands them over: 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels, row-major. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** Packed RGB, 3 bytes a pixel, row-major: what every later step works on. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Any decoded image to opaque RGB. Alpha is composited on white (not dropped): a cut-out leaf
 * saved as PNG has arbitrary colours under its transparent pixels, and the lab photos the
 * models learnt from have a light card behind the leaf. Grey is replicated to R=G=B.
 */
export function toRgb(img: RawImage): RgbImage {
  const { width, height, channels, data } = img;
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || data.length < n * channels) {
    throw new DiagnosisError('IMAGE_UNREADABLE', `decoded image is inconsistent (${width}x${height}x${channels}, ${data.length} bytes)`);
  }
  const out = new Uint8Array(n * 3);
  const hasAlpha = channels === 2 || channels === 4;
  const colour = channels >= 3;
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    const r = data[s] as number;
    const g = colour ? (data[s + 1] as number) : r;
    const b = colour ? (data[s + 2] as number) : r;
    const o = i * 3;
    if (hasAlpha && (data[s + channels - 1] as number) !== 255) {
      const a = data[s + channels - 1] as number;
      // out = a*c + (1-a)*255, rounded, in integers: straight (non-premultiplied) alpha, as getImageData and sharp give it.
      const white = 255 * (255 - a) + 127;
      out[o] = ((r * a + white) / 255) | 0;
      out[o + 1] = ((g * a + white) / 255) | 0;
      out[o + 2] = ((b * a + white) / 255) | 0;
    } else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return { width, height, data: out };
}
