// The on-device self-test of a new bundle: fixed images, made the same way here and in the trainer
// (trainer/bundle/self_test.py), and the answers the models gave when the bundle was made (manifest.selfTest).
// A phone runs them before a downloaded bundle replaces the one it has, and refuses it on any difference.
import type { BundleManifest } from '@leafcheck/bundle';
import { calibratedSoftmax } from './calibrate.ts';
import type { Logits } from './model-runner.ts';

export const SELF_TEST_IMAGES = 'leafcheck-selftest-1';

/** Image `index` of the generator: uint8 NHWC, integer arithmetic only (exact in both languages). */
export function selfTestImage(index: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        out[(y * width + x) * 3 + c] = (x * (3 + 2 * index) + y * (5 + index) + c * 85 + index * 40 + ((x * y) >> (4 + c))) % 256;
      }
    }
  }
  return out;
}

/** The top class and its calibrated probability, as manifest.selfTest records them. */
export function topOf(manifest: BundleManifest, kind: 'species' | 'disease', logits: Float32Array): { label: string; probability: number } {
  const model = manifest.models[kind];
  const probs = calibratedSoftmax(logits, model.temperature);
  let best = 0;
  for (let i = 1; i < probs.length; i++) if ((probs[i] as number) > (probs[best] as number)) best = i;
  return { label: model.output.labels[best] as string, probability: probs[best] as number };
}

/** Runs manifest.selfTest through `run` (one image -> both models' logits); throws a plain Error naming the first miss. */
export async function runSelfTest(manifest: BundleManifest, run: (image: Uint8Array) => Promise<Logits>): Promise<number> {
  const test = manifest.selfTest;
  if (!test) return 0;
  const { height, width } = manifest.models.species.input;
  for (const [i, expected] of test.cases.entries()) {
    const logits = await run(selfTestImage(i, height, width));
    for (const kind of ['species', 'disease'] as const) {
      const want = expected[kind];
      const model = manifest.models[kind];
      const got = topOf(manifest, kind, logits[kind] as Float32Array);
      // The recorded class's probability, not this run's top one: a near tie may flip by runtime noise, a real
      // difference moves the probability past the tolerance.
      const at = model.output.labels.indexOf(want.label);
      const probability = at < 0 ? 0 : (calibratedSoftmax(logits[kind] as Float32Array, model.temperature)[at] as number);
      if (Math.abs(probability - want.probability) > test.tolerance) {
        throw new Error(
          `self-test image ${i}: the ${kind} model gives ${want.label} ${probability.toFixed(4)} (its top: ${got.label} ${got.probability.toFixed(4)}); the bundle recorded ${want.probability.toFixed(4)} (tolerance ${test.tolerance})`,
        );
      }
    }
  }
  return test.cases.length;
}
