// Reviewed, labelled feedback as the trainer's feedback source (trainer/sources/feedback.py) reads it:
//   leafcheck-feedback/export.json        records (label, declared new class, leaf group, provenance); schema:
//                                         packages/sync/schema/feedback-export.schema.json, shared with the trainer
//   leafcheck-feedback/photos/<id>.jpg    the photo of each record, named by its id
// Labels never become tar entry names, so no label can exceed ustar limits. The tarball is written to a file
// completely before anyone reads it: a failure part way is an error before the first byte, never a truncated 200.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  FEEDBACK_EXPORT_FORMAT,
  FEEDBACK_EXPORT_ROOT,
  type FeedbackExport,
  type FeedbackExportRecord,
  feedbackExportErrors,
  labelProblem,
  photoPath,
} from '@leafcheck/sync/feedback-export';
import type { ReviewStore } from '../db/review-store.ts';
import type { PhotoStore } from '../photos/photo-store.ts';
import { tarHeader } from './tar.ts';

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

export interface ExportSummary {
  sha256: string;
  bytes: number;
  /** Records written; and those left out, by reason (a photo gone from the store, a label the schema refuses). */
  records: number;
  skipped: Record<string, number>;
}

export interface ExportSource {
  reviews: ReviewStore;
  photos: PhotoStore;
  /** The served bundle: its labels are the known classes; a label outside them is a declared new class. */
  bundle: { version: string; labels: string[] } | null;
  now: Date;
}

function* fileChunks(path: string, data: Uint8Array, mtime: number): Generator<Uint8Array> {
  yield tarHeader(path, data.length, mtime);
  yield data;
  const pad = (512 - (data.length % 512)) % 512;
  if (pad > 0) yield new Uint8Array(pad);
}

async function* exportTar(source: ExportSource, summary: ExportSummary): AsyncGenerator<Uint8Array> {
  const mtime = Math.floor(source.now.getTime() / 1000);
  const known = new Set(source.bundle?.labels ?? []);
  const records: FeedbackExportRecord[] = [];
  const skip = (reason: string) => {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + 1;
  };
  for (const item of await source.reviews.labelled()) {
    const f = item.feedback;
    const newClass = !known.has(item.label);
    if (labelProblem(item.label, newClass) !== null) {
      skip('label-outside-export-rules'); // stored before review labels were checked; relabel it to export it
      continue;
    }
    const jpeg = await source.photos.get(f.id);
    if (jpeg === null) {
      skip('photo-missing');
      continue;
    }
    records.push({
      id: f.id,
      photo: photoPath(f.id),
      sha256: createHash('sha256').update(jpeg).digest('hex'),
      label: item.label,
      newClass,
      leafGroup: `device:${f.device_id}/${f.diagnosed_at.slice(0, 10)}`,
      review: { decision: 'label', reviewedAt: item.reviewedAt, reviewer: item.reviewer },
      model: { bundleVersion: f.bundle_version, label: f.predicted_label, probability: f.predicted_probability },
      farmer: { verdict: f.verdict },
    });
    yield* fileChunks(`${FEEDBACK_EXPORT_ROOT}/${photoPath(f.id)}`, jpeg, mtime);
  }
  const doc: FeedbackExport = {
    format: FEEDBACK_EXPORT_FORMAT,
    formatVersion: 1,
    createdAt: source.now.toISOString(),
    servedBundle: source.bundle ? { version: source.bundle.version, labels: [...known] } : null,
    records,
  };
  const errors = feedbackExportErrors(doc);
  if (errors.length > 0) throw new ExportError(`the export does not match feedback-export.schema.json: ${errors.join('; ')}`);
  summary.records = records.length;
  yield* fileChunks(`${FEEDBACK_EXPORT_ROOT}/export.json`, new TextEncoder().encode(`${JSON.stringify(doc, null, 1)}\n`), mtime);
  yield new Uint8Array(1024);
}

/** Writes the whole export (tar.gz) to `path` (write-then-rename) and returns its sha256 and counts. */
export async function writeExport(source: ExportSource, path: string): Promise<ExportSummary> {
  const summary: ExportSummary = { sha256: '', bytes: 0, records: 0, skipped: {} };
  const hash = createHash('sha256');
  const tmp = `${path}.${randomUUID()}.partial`;
  const gzip = createGzip();
  gzip.on('data', (chunk: Buffer) => hash.update(chunk));
  try {
    await pipeline(Readable.from(exportTar(source, summary)), gzip, createWriteStream(tmp, { flags: 'wx' }));
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error instanceof ExportError ? error : new ExportError(`writing the export failed: ${(error as Error).message}`);
  }
  summary.sha256 = hash.digest('hex');
  summary.bytes = (await stat(path)).size;
  return summary;
}

/** The export as a finished temporary file to stream out; the file is removed once the stream ends or fails. */
export async function exportFile(source: ExportSource): Promise<{ stream: ReadableStream<Uint8Array>; summary: ExportSummary }> {
  const dir = await mkdtemp(join(tmpdir(), 'leafcheck-export-'));
  const path = join(dir, 'export.tar.gz');
  try {
    const summary = await writeExport(source, path);
    const file = createReadStream(path);
    file.on('close', () => void rm(dir, { recursive: true, force: true }));
    return { stream: Readable.toWeb(file) as ReadableStream<Uint8Array>, summary };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
