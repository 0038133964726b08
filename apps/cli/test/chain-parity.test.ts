// The chained layout on onnxruntime-node: the runner's backbone -> heads chain gives the single graph's logits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyBundle } from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import { runSelfTest } from '@leafcheck/diagnosis';
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

describe('the bundle self-test (manifest.selfTest, recorded by the trainer in Python)', () => {
  it.each(['signed-by-python', 'signed-by-python-chained'])('%s: onnxruntime-node gives the recorded answers', async (name) => {
    const bundle = await verifyBundle(dirSource(join(FIXTURES, name)), [key]);
    const runner = await createNodeRunner(bundle);
    const { height, width } = bundle.manifest.models.species.input;
    const run = (image: Uint8Array) => runner.run(['species', 'disease'], image, [1, height, width, 3]);
    expect(await runSelfTest(bundle.manifest, run)).toBe(3);
    const wrong = structuredClone(bundle.manifest);
    const selfTest = wrong.selfTest as NonNullable<typeof wrong.selfTest>;
    (selfTest.cases[1] as { disease: { probability: number } }).disease.probability -= 0.2;
    await expect(runSelfTest(wrong, run)).rejects.toThrow(
      /^self-test image 1: the disease model gives \S+ \d\.\d{4} .* \(tolerance 0\.05\)$/,
    );
    await runner.release();
  });
});
