// WASM by default; WebGPU only when a start-up self-test on this device says it gives the same
// answers and is faster. The verdict is remembered per device and bundle version.
import type { VerifiedBundle } from '@leafcheck/bundle';
import { calibratedSoftmax } from '@leafcheck/diagnosis';
import type { BackendReport } from './api.ts';
import { createOrtRunner, type Ort, type OrtRunner } from './ort-runner.ts';
import type { VerdictStore } from './verdict-store.ts';

/** Largest probability difference WebGPU may show against WASM (float32 kernels differ in summation order). */
export const SELF_TEST_TOLERANCE = 1e-3;

/** Deterministic golden images: a gradient, stripes and leafy green noise (a fixed-seed LCG). */
export function goldenInputs(height: number, width: number): Uint8Array[] {
  const n = height * width * 3;
  const gradient = new Uint8Array(n);
  const stripes = new Uint8Array(n);
  const leafy = new Uint8Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i += 3) {
    const x = (i / 3) % width;
    const y = Math.floor(i / 3 / width);
    gradient.set([(x * 255) / width, (y * 255) / height, 128], i);
    stripes.set((x >> 3) % 2 ? [230, 230, 230] : [20, 90, 30], i);
    seed = (seed * 1103515245 + 12345) >>> 0;
    leafy.set([40 + (seed % 40), 110 + ((seed >> 8) % 90), 30 + ((seed >> 16) % 40)], i);
  }
  return [gradient, stripes, leafy];
}

interface Comparison {
  maxDiff: number;
  sameTop1: boolean;
  wasmMs: number;
  gpuMs: number;
}

async function compare(bundle: VerifiedBundle, wasm: OrtRunner, gpu: OrtRunner): Promise<Comparison> {
  let maxDiff = 0;
  let sameTop1 = true;
  const timed = { wasm: [] as number[], gpu: [] as number[] };
  for (const kind of ['species', 'disease'] as const) {
    const m = bundle.manifest.models[kind];
    const dims = [1, m.input.height, m.input.width, 3] as const;
    for (const input of goldenInputs(m.input.height, m.input.width)) {
      const a = calibratedSoftmax((await wasm.run([kind], input, dims))[kind] as Float32Array, m.temperature);
      const b = calibratedSoftmax((await gpu.run([kind], input, dims))[kind] as Float32Array, m.temperature);
      a.forEach((v, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - (b[i] as number)));
      });
      sameTop1 &&= a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b));
      for (const [name, r] of [
        ['wasm', wasm],
        ['gpu', gpu],
      ] as const) {
        for (let k = 0; k < 3; k++) {
          const t0 = performance.now();
          await r.run([kind], input, dims);
          timed[name].push(performance.now() - t0);
        }
      }
    }
  }
  const median = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1] as number;
  return { maxDiff, sameTop1, wasmMs: median(timed.wasm), gpuMs: median(timed.gpu) };
}

/** The slice of navigator.gpu this needs (the full WebGPU types are not a dependency). */
export interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; device?: string; description?: string } } | null>;
}

export interface BackendChoice {
  runner: OrtRunner;
  report: BackendReport;
}

export async function chooseBackend(opts: {
  bundle: VerifiedBundle;
  wasm: OrtRunner;
  threads: { threads: number; why: string };
  gpu: GpuLike | undefined;
  loadWebGpuOrt: () => Promise<Ort>;
  store: VerdictStore;
}): Promise<BackendChoice> {
  const { bundle, wasm, threads } = opts;
  const useWasm = (why: string): BackendChoice => ({
    runner: wasm,
    report: { name: 'wasm', threads: threads.threads, reason: `${why}; WASM, ${threads.why}` },
  });
  if (!opts.gpu) return useWasm('WebGPU not available in this browser');
  const adapter = await opts.gpu.requestAdapter().catch(() => null);
  if (!adapter) return useWasm('WebGPU: no adapter (GPU disabled or blocklisted)');
  const info = adapter.info;
  const key = `${info?.vendor}|${info?.architecture}|${info?.device}|${info?.description}|${bundle.manifest.bundleVersion}`;
  const remembered = await opts.store.get(key);
  if (remembered?.backend === 'wasm') return useWasm(`remembered for this device: ${remembered.reason}`);
  let gpu: OrtRunner | undefined;
  try {
    gpu = await createOrtRunner(await opts.loadWebGpuOrt(), bundle, 'webgpu');
    if (remembered?.backend === 'webgpu')
      return { runner: gpu, report: { name: 'webgpu', threads: 1, reason: `remembered for this device: ${remembered.reason}` } };
    const c = await compare(bundle, wasm, gpu);
    const stats = `max prob diff ${c.maxDiff.toExponential(1)}, ${c.sameTop1 ? 'same' : 'different'} top-1, WebGPU ${c.gpuMs.toFixed(1)} ms vs WASM ${c.wasmMs.toFixed(1)} ms`;
    const pass = c.sameTop1 && c.maxDiff <= SELF_TEST_TOLERANCE && c.gpuMs < c.wasmMs;
    const reason = `WebGPU self-test ${pass ? 'passed' : 'failed'}: ${stats}`;
    await opts.store.set(key, { backend: pass ? 'webgpu' : 'wasm', reason });
    if (pass) return { runner: gpu, report: { name: 'webgpu', threads: 1, reason } };
    await gpu.release();
    return useWasm(reason);
  } catch (err) {
    await gpu?.release().catch(() => undefined);
    const reason = `WebGPU self-test could not run: ${(err as Error).message}`;
    await opts.store.set(key, { backend: 'wasm', reason });
    return useWasm(reason);
  }
}
