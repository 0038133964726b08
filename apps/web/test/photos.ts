// Which real photos the browser tests use. The app ships whatever bundle the build found, so the test
// asks that same bundle (through the Node CLI, the same pipeline code) which photos of a class it knows
// it gets right, and then asserts the browser says the folder's true label for that photo.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BundleManifest } from '@leafcheck/bundle';
import type { Diagnosis } from '@leafcheck/diagnosis/types';
import sharp from 'sharp';
import { checkQuality, QUALITY_LIMITS } from '../src/features/diagnose/shared/quality.ts';
import { REPO_ROOT } from './serve.ts';

const run = promisify(execFile);
export const DATA = join(REPO_ROOT, '../shared/data/plantvillage');

export function readManifest(bundleDir: string): BundleManifest {
  return JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')) as BundleManifest;
}

/** The key the CLI must trust for this bundle: the test key when the build fell back to the signed fixture. */
export function fixtureTrustKey(bundleDir: string): string | undefined {
  return readManifest(bundleDir).bundleVersion.endsWith('-fixture')
    ? join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-python.key.json')
    : undefined;
}

/** Diseases the bundle knows that have photos in ../shared/data, late blight first when present. */
export function knownDiseases(bundleDir: string): string[] {
  const labels = Object.values(readManifest(bundleDir).taxonomy.crops).flat();
  const withPhotos = labels.filter((l) => !/healthy$/i.test(l) && existsSync(join(DATA, l)));
  return withPhotos.sort((a, b) => Number(b === 'Tomato___Late_blight') - Number(a === 'Tomato___Late_blight') || a.localeCompare(b));
}

type Row = { file: string; result?: Diagnosis; error?: unknown };

async function cliDiagnose(bundleDir: string, files: string[], trustKey?: string): Promise<Row[]> {
  const args = [
    'tsx',
    'apps/cli/src/main.ts',
    'diagnose',
    ...files,
    '--json',
    '--bundle',
    bundleDir,
    ...(trustKey ? ['--trust', trustKey] : []),
  ];
  const { stdout } = await run('npx', args, { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout?: string }) => ({
    stdout: e.stdout ?? '[]',
  }));
  return JSON.parse(stdout) as Row[];
}

function firstPhotos(label: string, n: number): string[] {
  return readdirSync(join(DATA, label))
    .filter((f) => f.toLowerCase().endsWith('.jpg'))
    .sort()
    .slice(0, n)
    .map((f) => join(DATA, label, f));
}

/** A photo of a known disease that the shipped bundle diagnoses as its true label, with that label. */
export async function leafPhoto(bundleDir: string, trustKey?: string): Promise<{ file: string; label: string }> {
  for (const label of knownDiseases(bundleDir)) {
    const rows = await cliDiagnose(bundleDir, firstPhotos(label, 12), trustKey);
    const hit = rows.find((r) => r.result?.kind === 'diagnosis' && r.result.disease === label);
    if (hit) return { file: hit.file, label };
  }
  throw new Error(`the bundle in ${bundleDir} diagnoses none of the first 12 photos of any class it knows correctly`);
}

/** Leaf-colour fraction as the app's quality check computes it, on sharp's decode of the photo. */
async function leafFraction(file: string): Promise<number> {
  const { data, info } = await sharp(file).resize(256, 256, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return checkQuality({ width: info.width, height: info.height, data: new Uint8Array(data) }, { width: 256, height: 256 }).leafFraction;
}

/**
 * A non-leaf scene (Background_without_leaves) that the quality check clearly flags as "no leaf"
 * (leaf colour under half the limit, so decoder differences cannot flip it), preferring one the
 * bundle also calls not-a-leaf. `modelSaysNotALeaf` tells the test which answer to expect after
 * "use it anyway".
 */
export async function nonLeafPhoto(bundleDir: string, trustKey?: string): Promise<{ file: string; modelSaysNotALeaf: boolean }> {
  const candidates: string[] = [];
  for (const file of firstPhotos('Background_without_leaves', 60)) {
    if ((await leafFraction(file)) < QUALITY_LIMITS.minLeafFraction / 2) candidates.push(file);
  }
  if (candidates.length === 0) throw new Error('no Background_without_leaves photo among the first 60 is clearly leafless');
  const rows = await cliDiagnose(bundleDir, candidates.slice(0, 12), trustKey);
  const hit = rows.find((r) => r.result?.kind === 'not-sure' && r.result.reason === 'not-a-leaf');
  return hit ? { file: hit.file, modelSaysNotALeaf: true } : { file: candidates[0] as string, modelSaysNotALeaf: false };
}
