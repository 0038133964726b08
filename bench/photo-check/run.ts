// The photo-quality check (apps/web/src/features/diagnose/shared/quality.ts) on every photo in ../shared/data:
// how often it warns about a real leaf (false rejects: lab and iBean field photos) and how often it says "no leaf"
// for the not-a-leaf folder (catch rate). Photos are decoded by sharp to the check's 256 px analysis size; the
// app decodes with createImageBitmap, so a photo right at a limit may land either side. Not a test: no assertions.
//   npx tsx bench/photo-check/run.ts [--data ../shared/data]
import { readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { checkQuality, QUALITY_LIMITS, type QualityIssue } from '../../apps/web/src/features/diagnose/shared/quality.ts';

const { values } = parseArgs({ options: { data: { type: 'string', default: join(import.meta.dirname, '../../../shared/data') } } });
const root = resolve(values.data as string);
const NOT_A_LEAF = 'Background_without_leaves';

function photosUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return photosUnder(path);
      return /\.(jpe?g|png)$/i.test(name) ? [path] : [];
    });
}

async function issuesOf(file: string): Promise<QualityIssue[]> {
  const meta = await sharp(file).metadata();
  const side = QUALITY_LIMITS.analysisSide;
  const { data, info } = await sharp(file)
    .rotate()
    .resize(side, side, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const report = checkQuality(
    { width: info.width, height: info.height, data: new Uint8Array(data) },
    { width: meta.width ?? 0, height: meta.height ?? 0 },
  );
  return report.issues;
}

interface Tally {
  n: number;
  flagged: number;
  byIssue: Partial<Record<QualityIssue, number>>;
}

async function tally(files: string[]): Promise<Tally> {
  const t: Tally = { n: 0, flagged: 0, byIssue: {} };
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const issues = await issuesOf(files[next++] as string);
      t.n++;
      if (issues.length > 0) t.flagged++;
      for (const issue of issues) t.byIssue[issue] = (t.byIssue[issue] ?? 0) + 1;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return t;
}

const pv = join(root, 'plantvillage');
const classes = readdirSync(pv).filter((c) => statSync(join(pv, c)).isDirectory());
const start = loadavg();
const lab = await tally(classes.filter((c) => c !== NOT_A_LEAF).flatMap((c) => photosUnder(join(pv, c))));
const field = await tally(photosUnder(join(root, 'ibean')));
const scenes = await tally(photosUnder(join(pv, NOT_A_LEAF)));
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(2)}%`;
const line = (name: string, t: Tally) =>
  `${name.padEnd(34)} ${String(t.n).padStart(6)} photos, warned ${pct(t.flagged, t.n).padStart(7)}  ${JSON.stringify(t.byIssue)}`;
console.log(`photo check on ${root}; load average ${start.map((l) => l.toFixed(1)).join(' ')} at start`);
console.log(line('PlantVillage leaves (lab)', lab));
console.log(line('iBean leaves (field)', field));
console.log(line(`${NOT_A_LEAF} (not a leaf)`, scenes));
console.log(`false-reject rate on real leaves (any warning): ${pct(lab.flagged + field.flagged, lab.n + field.n)} (target <= 1%)`);
console.log(`catch rate on not-a-leaf scenes ("no leaf" warning): ${pct(scenes.byIssue.noLeaf ?? 0, scenes.n)}`);
console.log('a warning never blocks: the farmer can "Use it anyway" (apps/web/src/features/diagnose)');
