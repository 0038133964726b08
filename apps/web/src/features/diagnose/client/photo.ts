// A photo the farmer added: decoded once, quality-checked, shown as a thumbnail.
// Only a <= 512 px copy stays in memory: six 12-megapixel bitmaps would not fit on a cheap phone.
// The original file bytes go to the inference worker, which decodes at the model's size.
import { decodePhoto, scaledPixels } from '../../../lib/image.ts';
import { checkQuality, QUALITY_LIMITS, type QualityIssue } from '../shared/quality.ts';

export interface Photo {
  blob: Blob;
  /** Longest side <= 512 px. */
  bitmap: ImageBitmap;
  url: string;
  issues: QualityIssue[];
  /** The farmer chose "use it anyway" despite the issues. */
  accepted: boolean;
}

const KEEP_SIDE = 512;

/** Throws PhotoError when the file cannot be opened as an image. */
export async function addPhoto(blob: Blob): Promise<Photo> {
  const full = await decodePhoto(blob);
  const original = { width: full.width, height: full.height };
  const scale = Math.min(1, KEEP_SIDE / Math.max(full.width, full.height));
  let bitmap = full;
  if (scale < 1) {
    bitmap = await createImageBitmap(full, {
      resizeWidth: Math.max(1, Math.round(full.width * scale)),
      resizeHeight: Math.max(1, Math.round(full.height * scale)),
      resizeQuality: 'high',
    });
    full.close();
  }
  const report = checkQuality(scaledPixels(bitmap, QUALITY_LIMITS.analysisSide), original);
  return { blob, bitmap, url: URL.createObjectURL(blob), issues: report.issues, accepted: report.issues.length === 0 };
}

export function releasePhoto(photo: Photo): void {
  URL.revokeObjectURL(photo.url);
  photo.bitmap.close();
}
