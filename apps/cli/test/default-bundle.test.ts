// The trained default bundle (bundles/default, trusted out of the box) on real field photos.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCsv, SHARED_DATA } from '../../../workers/inference/test/server.ts';
import { createNodePipeline, DEFAULT_BUNDLE_DIR } from '../src/node-platform.ts';

describe.skipIf(!existsSync(DEFAULT_BUNDLE_DIR))('default bundle', () => {
  it('verifies with the shipped keys and reads iBean field photos as beans', async () => {
    const { pipeline, release } = await createNodePipeline(DEFAULT_BUNDLE_DIR);
    const rows = readCsv(new URL('manifest.csv', SHARED_DATA))
      .filter((r) => r.relative_path?.startsWith('ibean/test/'))
      .slice(0, 30);
    const crops: string[] = [];
    for (const r of rows) {
      const d = await pipeline.diagnose([new Uint8Array(await readFile(fileURLToPath(new URL(r.relative_path as string, SHARED_DATA))))]);
      crops.push(d.crop ?? 'none');
      expect(d.crops.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 5);
    }
    await release();
    // The species model is ~97% right on held-out photos; allow a few misses, not a broken pipeline.
    expect(crops.filter((c) => c === 'Bean').length).toBeGreaterThanOrEqual(24);
  }, 120_000);
});
