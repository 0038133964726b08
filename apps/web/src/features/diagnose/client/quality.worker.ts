// The photo-quality check, off the page's thread: scaling the photo and reading its pixels, then the check
// itself, took 190-360 ms on the page of a phone 4x slower than this machine (test/cheap-phone.browser.test.ts),
// long enough to freeze taps while a photo was added.
import { expose } from 'comlink';
import { checkQuality, QUALITY_LIMITS, type QualityReport } from '../shared/quality.ts';

export interface QualityWorkerApi {
  /** Checks the (transferred, then closed) bitmap; `original` is the photo's own upright size. */
  check(bitmap: ImageBitmap, original: { width: number; height: number }): QualityReport;
}

function pixelsOf(bitmap: ImageBitmap, maxSide: number): ImageData {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D OffscreenCanvas');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}

const api: QualityWorkerApi = {
  check(bitmap, original) {
    try {
      return checkQuality(pixelsOf(bitmap, QUALITY_LIMITS.analysisSide), original);
    } finally {
      bitmap.close();
    }
  },
};

expose(api);
