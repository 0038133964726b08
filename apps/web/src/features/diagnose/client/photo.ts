// A photo the farmer added: decoded once, quality-checked, shown as a thumbnail.
import { decodePhoto, scaledPixels } from '../../../lib/image.ts';
import { checkQuality, QUALITY_LIMITS, type QualityIssue } from '../shared/quality.ts';

export interface Photo {
  blob: Blob;
  bitmap: ImageBitmap;
  url: string;
  issues: QualityIssue[];
  /** The farmer chose "use it anyway" despite the issues. */
  accepted: boolean;
}

/** Throws PhotoError when the file cannot be opened as an image. */
export async function addPhoto(blob: Blob): Promise<Photo> {
  const bitmap = await decodePhoto(blob);
  const report = checkQuality(scaledPixels(bitmap, QUALITY_LIMITS.analysisSide), bitmap);
  return { blob, bitmap, url: URL.createObjectURL(blob), issues: report.issues, accepted: report.issues.length === 0 };
}

export function releasePhoto(photo: Photo): void {
  URL.revokeObjectURL(photo.url);
  photo.bitmap.close();
}
