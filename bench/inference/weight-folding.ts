// What ORT_SESSION_CONFIG buys natively: the bundle's graph with int8 weights folded to float once, at load
// (disable_quant_qdq, the apps' setting), against onnxruntime's default, which keeps every DequantizeLinear node
// and runs it on every inference. Interleaved on the same input, so machine load hits both alike.
import type { TrustedKey } from '@leafcheck/bundle';
import { createNodeRunner, loadBundle } from '../../apps/cli/src/node-platform.ts';

export async function weightFoldingReport(dir: string, runs: number, extraKeys: readonly TrustedKey[] = []): Promise<string> {
  const bundle = await loadBundle(dir, extraKeys);
  const runners = {
    folded: await createNodeRunner(bundle),
    perRun: await createNodeRunner(bundle, { extra: { session: { disable_quant_qdq: '0' } } }),
  };
  const { height, width } = bundle.manifest.models.species.input;
  const input = Uint8Array.from({ length: height * width * 3 }, (_, i) => (i * 37) % 256);
  const dims = [1, height, width, 3] as const;
  const times = { folded: [] as number[], perRun: [] as number[] };
  let maxDiff = 0;
  for (let i = 0; i < runs + 5; i++) {
    const out: Partial<Record<keyof typeof runners, Float32Array>> = {};
    for (const name of (i % 2 ? ['folded', 'perRun'] : ['perRun', 'folded']) as (keyof typeof runners)[]) {
      const t0 = performance.now();
      out[name] = (await runners[name].run(['disease'], input, dims)).disease;
      if (i >= 5) times[name].push(performance.now() - t0);
    }
    const [a, b] = [out.folded ?? new Float32Array(), out.perRun ?? new Float32Array()];
    for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs((a[j] as number) - (b[j] as number)));
  }
  await Promise.all(Object.values(runners).map((r) => r.release()));
  const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)] ?? Number.NaN;
  const [f, p] = [median(times.folded), median(times.perRun)];
  return `int8 weights folded at load vs dequantized every run (native, models only, ${runs} interleaved pairs): folded ${f.toFixed(2)} ms, every run ${p.toFixed(2)} ms (${(p / f).toFixed(2)}x); max logit diff ${maxDiff.toExponential(1)}`;
}
