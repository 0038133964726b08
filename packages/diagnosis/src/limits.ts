// The photo limits, stated once for the page, the inference worker and the CLI. All are checked from the file's
// size and header, before any pixel is decoded, so a bomb (a small file claiming a huge image) costs nothing.
import { DiagnosisError } from './errors.ts';
import type { ImageHeader } from './sniff.ts';

/** A phone JPEG is 2-12 MB; far bigger is not a camera photo. */
export const MAX_PHOTO_BYTES = 40 * 1024 * 1024;
/**
 * In a browser (page and worker): a phone's normal photo is 12-50 MP. Chromium decodes the full frame before any
 * resize, and a 108 MP RGBA frame (432 MB) can kill the tab on a cheap phone.
 */
export const BROWSER_MAX_PIXELS = 50_000_000;
/** In Node (CLI): JPEGs shrink while decoding there (libvips shrink-on-load), so memory stays at a few MB. */
export const NODE_MAX_PIXELS = 150_000_000;
/** Below this on its short side a photo cannot show a leaf's spots (and is not a camera photo). */
export const MIN_PHOTO_SIDE = 32;

/** Megabytes as the farmer's phone shows them (MiB, whole numbers). */
export function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

/** Refuses a file by its size alone. */
export function checkPhotoBytes(byteLength: number, maxBytes = MAX_PHOTO_BYTES): void {
  if (byteLength > maxBytes) {
    throw new DiagnosisError(
      'IMAGE_TOO_LARGE',
      `the file is ${(byteLength / 1024 / 1024).toFixed(1)} MB; the limit is ${megabytes(maxBytes)}`,
      "Use the phone camera's normal photo size.",
    );
  }
}

/** Refuses a photo by the size its header claims; `maxPixels` is the platform's (browser or Node). */
export function checkPhotoDimensions(header: ImageHeader, maxPixels: number): void {
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    throw new DiagnosisError(
      'IMAGE_TOO_LARGE',
      `the photo is ${header.width}x${header.height} (${Math.round(pixels / 1e6)} MP); this device reads up to ${Math.round(maxPixels / 1e6)} MP`,
      "Use the phone camera's normal resolution (12 MP or less).",
    );
  }
}

/**
 * Refuses a photo too small to show a leaf. The page checks this (its quality check needs real pixels); the
 * pipeline itself still reads any size, as tests with tiny synthetic photos rely on.
 */
export function checkPhotoNotTiny(header: ImageHeader): void {
  if (Math.min(header.width, header.height) < MIN_PHOTO_SIDE) {
    throw new DiagnosisError(
      'IMAGE_TOO_SMALL',
      `the photo is ${header.width}x${header.height}; each side must be at least ${MIN_PHOTO_SIDE} px`,
      'Take a photo of the leaf with the camera.',
    );
  }
}
