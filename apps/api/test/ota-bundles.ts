// Chained (backbone + heads) bundles at any version, from the tiny fixture models, for update tests:
// a head-only retrain changes only the heads file, a full one the backbone too.
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleManifest } from '@leafcheck/bundle';
import { writeChainedBundle } from '@leafcheck/bundle/node';
import { REPO_ROOT } from '../src/env.ts';

const FIXTURES = join(REPO_ROOT, 'packages/bundle/fixtures');
const CHAINED = join(FIXTURES, 'signed-by-python-chained');

export interface OtaBundleOptions {
  version: string;
  /** Which tiny weights: the fixture's own, or the "retrained" ones. */
  backbone?: 'backbone.onnx' | 'backbone-retrained.onnx';
  heads?: 'heads.onnx' | 'heads-retrained.onnx';
  /** The model card's text (what the settings screen shows as "what changed"). */
  notes?: string;
  metrics?: Record<string, number>;
}

/** Writes a signed chained bundle into a new folder under `parent` and returns the folder. */
export async function otaBundle(parent: string, privateKeyHex: string, options: OtaBundleOptions): Promise<string> {
  const dir = await mkdtemp(join(parent, `bundle-${options.version}-`));
  await copyFile(join(CHAINED, 'advice.json'), join(dir, 'advice.json'));
  await writeFile(join(dir, 'model-card.md'), options.notes ?? `# Bundle ${options.version}\n\nTiny synthetic models.\n`);
  const manifest = JSON.parse(await readFile(join(CHAINED, 'manifest.json'), 'utf8')) as BundleManifest;
  const model = async (name: string) => new Uint8Array(await readFile(join(FIXTURES, 'tiny-models', name)));
  await writeChainedBundle(
    dir,
    { ...manifest, bundleVersion: options.version, ...(options.metrics ? { metrics: options.metrics } : {}) },
    { backbone: await model(options.backbone ?? 'backbone.onnx'), heads: await model(options.heads ?? 'heads.onnx') },
    privateKeyHex,
  );
  return dir;
}
