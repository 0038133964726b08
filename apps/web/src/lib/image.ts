// Photo handling on the page: decode once, a small copy for the quality check, JPEGs for history and feedback.
import type { Pixels } from '../features/diagnose/shared/quality.ts';

export type PhotoErrorCode = 'unreadable' | 'unsupported' | 'tooLarge';

export class PhotoError extends Error {
  override readonly name = 'PhotoError';
  constructor(
    readonly code: PhotoErrorCode,
    detail: string,
  ) {
    super(detail);
  }
}

/** Phone cameras make 3-12 MB JPEGs; anything far bigger is not a photo we can handle on a cheap phone. */
export const MAX_PHOTO_BYTES = 30 * 1024 * 1024;

export async function decodePhoto(blob: Blob): Promise<ImageBitmap> {
  if (blob.size === 0) throw new PhotoError('unreadable', 'the file is empty');
  if (blob.size > MAX_PHOTO_BYTES) throw new PhotoError('tooLarge', `${blob.size} bytes`);
  try {
    return await createImageBitmap(blob, { imageOrientation: 'from-image' });
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

export function scaledPixels(bitmap: ImageBitmap, maxSide: number): Pixels {
  const canvas = canvasFor(bitmap, maxSide);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas');
  const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { data, width, height };
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
