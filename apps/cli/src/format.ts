import { relative } from 'node:path';
import type { Diagnosis } from '@leafcheck/diagnosis';

export type Row = { file: string; result: Diagnosis } | { file: string; error: { code: string; message: string; advice?: string } };

const pct = (p: number | undefined) => (p === undefined ? '' : `${(p * 100).toFixed(1)}%`);

/** Paths as short as the user would type them: relative to the working directory when inside it. */
const short = (file: string) =>
  file
    .split(', ')
    .map((f) => (relative(process.cwd(), f).startsWith('..') ? f : relative(process.cwd(), f)))
    .join(', ');

function cells(r: Row): string[] {
  if ('error' in r) return [short(r.file), '', '', '', `error ${r.error.code}: ${r.error.message}`];
  const d = r.result;
  const decision = d.kind === 'diagnosis' ? 'diagnosis' : `not sure (${d.reason})`;
  const agree = d.photos.total > 1 ? ` ${d.photos.agreeing}/${d.photos.total} photos agree` : '';
  return [short(r.file), d.crop ?? '', d.disease ?? '', pct(d.probability), decision + agree];
}

/** A plain aligned table: file, crop, disease, probability, decision. */
export function table(rows: readonly Row[]): string {
  const all = [['file', 'crop', 'disease', 'probability', 'decision'], ...rows.map(cells)];
  const widths = all[0]?.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length))) ?? [];
  return all
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One line of progress on stderr, so stdout stays clean for --json. */
export function progress(done: number, total: number, stream: NodeJS.WriteStream = process.stderr): void {
  if (!stream.isTTY) {
    stream.write(`${done}/${total}\n`);
    return;
  }
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}
