import type { RgbImage } from './image.ts';

/** The largest centred square: side = the short side, offset floored when the difference is odd. */
export function centerSquare(width: number, height: number): { left: number; top: number; side: number } {
  const side = Math.min(width, height);
  return { left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), side };
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, PRECISION_BITS fractional bits, as Pillow's 8-bit resampler uses. */
  weights: Int32Array;
  stride: number;
}

// Pillow (libImaging/Resample.c): 32 - 8 - 2 bits of fraction for 8-bit images.
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

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
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride);
  for (let i = 0; i < outSize; i++) {
    // In crop coordinates, clamped to the crop: the same as cropping first, then resizing (trainer/data.py).
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let sum = 0;
    const n = Math.min(hi - lo, stride);
    for (let k = 0; k < n; k++) {
      w[k] = Math.max(0, 1 - Math.abs((lo + k - center + 0.5) / filterScale));
      sum += w[k] as number;
    }
    for (let k = 0; k < n; k++) {
      const v = sum !== 0 ? (w[k] as number) / sum : (w[k] as number);
      // Pillow rounds half away from zero (weights are never negative for this filter).
      weights[i * stride + k] = Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    start[i] = offset + lo;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/** Pillow's clip8: fixed-point sum (with its rounding half already added) to a byte. */
const clip8 = (v: number) => (v >= 1 << 30 ? 255 : v <= 0 ? 0 : v >> PRECISION_BITS);

/**
 * Centre square crop, then bilinear resize to outWidth x outHeight: the model input the
 * manifest's "center-crop-bilinear" names. Two separable passes (horizontal, then vertical) in
 * Pillow's fixed-point arithmetic, rounding to bytes in between: the same bytes as the trainer's
 * Image.resize(BILINEAR), so preprocessing costs no accuracy against training.
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
  resamplePass(img.data, rowLo * img.width * 3, img.width * 3, 3, mid, outWidth * 3, 3, rows, outWidth, tx, 0);
  const out = new Uint8Array(outWidth * outHeight * 3);
  // The vertical pass is the same arithmetic with rows and columns swapped: each output row reads
  // taps down the columns of `mid`.
  resamplePass(mid, 0, 3, outWidth * 3, out, 3, outWidth * 3, outWidth, outHeight, ty, rowLo);
  return { width: outWidth, height: outHeight, data: out };
}

/**
 * One separable pass over RGB bytes: for each of `lines` lines and each of `outCount` outputs along
 * the line, the fixed-point weighted sum of the taps. Steps are in bytes, so the same loop serves
 * the horizontal pass (lines = rows) and the vertical one (lines = columns). Typed arrays and
 * steps in locals: this is the hot loop of preprocessing.
 */
function resamplePass(
  src: Uint8Array,
  srcBase: number,
  srcLineStep: number,
  srcTapStep: number,
  dst: Uint8Array,
  dstLineStep: number,
  dstOutStep: number,
  lines: number,
  outCount: number,
  t: Taps,
  tapOrigin: number,
): void {
  const { start, count, weights, stride } = t;
  for (let line = 0; line < lines; line++) {
    const lineBase = srcBase + line * srcLineStep;
    for (let i = 0; i < outCount; i++) {
      const n = count[i] as number;
      const wBase = i * stride;
      let p = lineBase + ((start[i] as number) - tapOrigin) * srcTapStep;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0; k < n; k++) {
        const w = weights[wBase + k] as number;
        // Int32 arithmetic (the sums stay below 2^31): lets the JIT keep them in registers.
        r = (r + Math.imul(src[p] as number, w)) | 0;
        g = (g + Math.imul(src[p + 1] as number, w)) | 0;
        b = (b + Math.imul(src[p + 2] as number, w)) | 0;
        p += srcTapStep;
      }
      const o = line * dstLineStep + i * dstOutStep;
      dst[o] = clip8(r);
      dst[o + 1] = clip8(g);
      dst[o + 2] = clip8(b);
    }
  }
}
