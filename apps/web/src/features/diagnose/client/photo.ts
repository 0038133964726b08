// A photo the farmer added: decoded once, quality-checked, shown as a thumbnail.
// Only a <= 512 px copy stays in memory: six 12-megapixel bitmaps would not fit on a cheap phone.
// The original file bytes go to the inference worker, which decodes at the model's size.
import { type Remote, transfer, wrap } from 'comlink';
import { decodePhoto } from '../../../lib/image.ts';
import type { QualityIssue } from '../shared/quality.ts';
import type { QualityWorkerApi } from './quality.worker.ts';
import QualityWorker from './quality.worker.ts?worker';

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

let checker: Remote<QualityWorkerApi> | undefined;

/** Throws DiagnosisError when the file is refused by its header, PhotoError when it cannot be decoded. */
export async function addPhoto(blob: Blob): Promise<Photo> {
  const { bitmap, width, height } = await decodePhoto(blob, KEEP_SIDE);
  checker ??= wrap<QualityWorkerApi>(new QualityWorker());
  // The worker gets its own copy (transferred, closed there): the page keeps `bitmap` for the thumbnail and history.
  const copy = await createImageBitmap(bitmap);
  const report = await checker.check(transfer(copy, [copy]), { width, height });
  return { blob, bitmap, url: URL.createObjectURL(blob), issues: report.issues, accepted: report.issues.length === 0 };
}

export function releasePhoto(photo: Photo): void {
  URL.revokeObjectURL(photo.url);
  photo.bitmap.close();
}
