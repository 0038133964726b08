// The chained layout on onnxruntime-node: the runner's backbone -> heads chain gives the single graph's logits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyBundle } from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../src/node-platform.ts';

const FIXTURES = fileURLToPath(new URL('../../../packages/bundle/fixtures/', import.meta.url));
const key = JSON.parse(readFileSync(join(FIXTURES, 'signed-by-python.key.json'), 'utf8'));

describe('backbone + heads chain vs the single graph (tiny models)', () => {
  it('same logits for every photo, within 1e-5', async () => {
    const bundle = await verifyBundle(dirSource(join(FIXTURES, 'signed-by-python-chained')), [key]);
    const runner = await createNodeRunner(bundle);
    const single = await ort.InferenceSession.create(join(FIXTURES, 'tiny-models', 'chained-single-graph.onnx'));
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 256;
    };
    let maxDiff = 0;
    for (let photo = 0; photo < 20; photo++) {
      const pixels = Uint8Array.from({ length: 32 * 32 * 3 }, random);
      const chained = await runner.run(['species', 'disease'], pixels, [1, 32, 32, 3]);
      const out = await single.run({ image: new ort.Tensor(pixels, [1, 32, 32, 3]) });
      for (const [kind, name] of [
        ['species', 'species_logits'],
        ['disease', 'disease_logits'],
      ] as const) {
        const want = out[name]?.data as Float32Array;
        const got = chained[kind] as Float32Array;
        expect(got).toHaveLength(want.length);
        for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (want[i] as number)));
      }
    }
    expect(maxDiff).toBeLessThan(1e-5);
    await runner.release();
    await single.release();
  });
});
