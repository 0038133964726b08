// Photo handling on the page: check the header, decode once at a small size, JPEGs for history and feedback.
import {
  BROWSER_MAX_PIXELS,
  checkPhotoBytes,
  checkPhotoDimensions,
  checkPhotoNotTiny,
  readExifOrientation,
  readImageHeader,
} from '@leafcheck/diagnosis';

export type PhotoErrorCode = 'unreadable' | 'unsupported';

export class PhotoError extends Error {
  override readonly name = 'PhotoError';
  constructor(
    readonly code: PhotoErrorCode,
    detail: string,
  ) {
    super(detail);
  }
}

export interface DecodedPhoto {
  /** Longest side at most the `maxSide` asked for, upright. */
  bitmap: ImageBitmap;
  /** The photo's own upright size, from its header. */
  width: number;
  height: number;
}

/**
 * Header first: the file's size, format and claimed dimensions are checked with the limits the worker and the CLI
 * use (packages/diagnosis/src/limits.ts) before anything is decoded, so a photo bomb (a small file claiming 20000 x
 * 20000 px) is refused at no cost. Then it is decoded once, straight to `maxSide`: no full-size bitmap is kept.
 * Throws DiagnosisError for a refused file, PhotoError when the browser cannot decode an accepted one.
 */
export async function decodePhoto(blob: Blob, maxSide: number): Promise<DecodedPhoto> {
  checkPhotoBytes(blob.size);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const header = readImageHeader(bytes);
  checkPhotoDimensions(header, BROWSER_MAX_PIXELS);
  checkPhotoNotTiny(header);
  // EXIF orientations 5-8 turn the photo a quarter: its upright width is the stored height.
  const turned = header.format === 'jpeg' && readExifOrientation(bytes) >= 5;
  const width = turned ? header.height : header.width;
  const height = turned ? header.width : header.height;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  // Only the long side is given: the browser keeps the aspect ratio itself, whichever way it orients first.
  const resize: ImageBitmapOptions =
    scale >= 1
      ? {}
      : width >= height
        ? { resizeWidth: Math.max(1, Math.round(width * scale)), resizeQuality: 'high' }
        : { resizeHeight: Math.max(1, Math.round(height * scale)), resizeQuality: 'high' };
  try {
    const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', ...resize });
    return { bitmap, width, height };
  } catch (error) {
    const heic = /hei[cf]/i.test(blob.type) || (blob instanceof File && /\.hei[cf]$/i.test(blob.name));
    throw new PhotoError(heic ? 'unsupported' : 'unreadable', error instanceof Error ? error.message : String(error));
  }
}

function canvasFor(bitmap: ImageBitmap, maxSide: number): HTMLCanvasElement {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas;
}

export function toJpeg(bitmap: ImageBitmap, maxSide: number, quality = 0.8): Promise<Blob> {
  const canvas = canvasFor(bitmap, maxSide);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('JPEG encoding failed'))), 'image/jpeg', quality),
  );
}

export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
