// Reviewed, labelled feedback as an imagefolder tarball the trainer reads directly:
//   leafcheck-feedback/<Crop___Disease>/<record id>.jpg
//   leafcheck-feedback/manifest.jsonl   one JSON object per image (fields named like shared/data/manifest.csv)
//   leafcheck-feedback/manifest.csv     relative_path,class,sha256,leaf_group,... : what trainer/data.py scan() reads
import { createHash } from 'node:crypto';
import type { ReviewStore } from '../db/review-store.ts';
import type { PhotoStore } from '../photos/photo-store.ts';
import { tarHeader } from './tar.ts';

export const EXPORT_ROOT = 'leafcheck-feedback';

export interface ManifestLine {
  relative_path: string;
  class: string;
  source: 'leafcheck-feedback';
  sha256: string;
  /** Each farmer photo is its own leaf group: no two images of one leaf are known to be linked. */
  leaf_group: string;
  feedback_id: string;
  bundle_version: string;
  model_label: string;
  farmer_verdict: string;
  reviewed_at: string;
}

const CSV_COLUMNS = [
  'relative_path',
  'class',
  'sha256',
  'leaf_group',
  'source',
  'feedback_id',
  'bundle_version',
  'model_label',
  'farmer_verdict',
  'reviewed_at',
] as const;

/** RFC 4180 field: class names contain commas ("Pepper,_bell___healthy") and spaces. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function* fileChunks(path: string, data: Uint8Array, mtime: number): Generator<Uint8Array> {
  yield tarHeader(path, data.length, mtime);
  yield data;
  const pad = (512 - (data.length % 512)) % 512;
  if (pad > 0) yield new Uint8Array(pad);
}

/** Yields an uncompressed tar; the route gzips it on the way out. Photos missing from the store are skipped. */
export async function* exportTar(reviews: ReviewStore, photos: PhotoStore, now: Date): AsyncGenerator<Uint8Array> {
  const mtime = Math.floor(now.getTime() / 1000);
  const lines: string[] = [];
  const csv: string[] = [CSV_COLUMNS.join(',')];
  for (const item of await reviews.labelled()) {
    const jpeg = await photos.get(item.feedback.id);
    if (jpeg === null) continue;
    const relative = `${item.label}/${item.feedback.id}.jpg`;
    const line: ManifestLine = {
      relative_path: relative,
      class: item.label,
      source: 'leafcheck-feedback',
      sha256: createHash('sha256').update(jpeg).digest('hex'),
      leaf_group: `feedback:${item.feedback.id}`,
      feedback_id: item.feedback.id,
      bundle_version: item.feedback.bundle_version,
      model_label: item.feedback.predicted_label,
      farmer_verdict: item.feedback.verdict,
      reviewed_at: item.reviewedAt,
    };
    lines.push(JSON.stringify(line));
    csv.push(CSV_COLUMNS.map((c) => csvField(line[c])).join(','));
    yield* fileChunks(`${EXPORT_ROOT}/${relative}`, jpeg, mtime);
  }
  const manifest = new TextEncoder().encode(lines.length > 0 ? `${lines.join('\n')}\n` : '');
  yield* fileChunks(`${EXPORT_ROOT}/manifest.jsonl`, manifest, mtime);
  yield* fileChunks(`${EXPORT_ROOT}/manifest.csv`, new TextEncoder().encode(`${csv.join('\r\n')}\r\n`), mtime);
  yield new Uint8Array(1024);
}

export function gzipStream(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return source.pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
}
