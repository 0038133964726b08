import type { RgbImage } from './image.ts';

/** The largest centred square: side = the short side, offset floored when the difference is odd. */
export function centerSquare(width: number, height: number): { left: number; top: number; side: number } {
  const side = Math.min(width, height);
  return { left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), side };
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  stride: number;
}

/**
 * Bilinear (triangle) filter taps for resampling the `inSize` source pixels starting at `offset` to
 * `outSize`. When shrinking, the triangle widens by the scale (antialiasing), as Pillow's
 * Image.resize(BILINEAR) does, so the browser, Node and the Python trainer see the same pixels.
 */
function taps(offset: number, inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // triangle support 1, widened by the scale
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    // In crop coordinates, clamped to the crop: the same as cropping first, then resizing (trainer/data.py).
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let sum = 0;
    const n = Math.min(hi - lo, stride);
    for (let k = 0; k < n; k++) {
      const w = Math.max(0, 1 - Math.abs((lo + k - center + 0.5) / filterScale));
      weights[i * stride + k] = w;
      sum += w;
    }
    if (sum > 0) for (let k = 0; k < n; k++) weights[i * stride + k] = (weights[i * stride + k] as number) / sum;
    start[i] = offset + lo;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/**
 * Centre square crop, then bilinear resize to outWidth x outHeight: the model input the
 * manifest's "center-crop-bilinear" names. Two separable passes (horizontal, then vertical),
 * rounding to bytes in between, like Pillow.
 */
export function centerCropResize(img: RgbImage, outWidth: number, outHeight: number): RgbImage {
  const { left, top, side } = centerSquare(img.width, img.height);
  const tx = taps(left, side, outWidth);
  const ty = taps(top, side, outHeight);
  // Only the source rows some output row reads.
  const rowLo = ty.start[0] as number;
  const lastRow = outHeight - 1;
  const rowHi = (ty.start[lastRow] as number) + (ty.count[lastRow] as number);
  const rows = rowHi - rowLo;
  const mid = new Uint8Array(rows * outWidth * 3);
  const src = img.data;
  for (let y = 0; y < rows; y++) {
    const srow = (rowLo + y) * img.width * 3;
    for (let x = 0; x < outWidth; x++) {
      const s0 = tx.start[x] as number;
      const n = tx.count[x] as number;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++) {
        const w = tx.weights[x * tx.stride + k] as number;
        const p = srow + (s0 + k) * 3;
        r += (src[p] as number) * w;
        g += (src[p + 1] as number) * w;
        b += (src[p + 2] as number) * w;
      }
      const o = (y * outWidth + x) * 3;
      mid[o] = clampByte(r);
      mid[o + 1] = clampByte(g);
      mid[o + 2] = clampByte(b);
    }
  }
  const out = new Uint8Array(outWidth * outHeight * 3);
  for (let y = 0; y < outHeight; y++) {
    const s0 = (ty.start[y] as number) - rowLo;
    const n = ty.count[y] as number;
    for (let x = 0; x < outWidth; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++) {
        const w = ty.weights[y * ty.stride + k] as number;
        const p = ((s0 + k) * outWidth + x) * 3;
        r += (mid[p] as number) * w;
        g += (mid[p + 1] as number) * w;
        b += (mid[p + 2] as number) * w;
      }
      const o = (y * outWidth + x) * 3;
      out[o] = clampByte(r);
      out[o + 1] = clampByte(g);
      out[o + 2] = clampByte(b);
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}
