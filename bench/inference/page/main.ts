// The benchmark page: the real inference worker, built by Vite like the app builds it.
import * as Comlink from 'comlink';
import type { InferenceWorkerApi, LoadOptions } from '../../../workers/inference/src/api.ts';

interface Stats {
  coldMs: number;
  loadMs: number;
  stages: Record<string, number>;
  warmMs: number[];
  pipelineMs: number[];
  stepsMs: Record<string, number>[];
  backend: Awaited<ReturnType<InferenceWorkerApi['load']>>['backend'];
  isolated: boolean;
  kind: string;
}

/** Cold start (worker start + fetch + verify + sessions + first result), then `runs` warm diagnoses. */
async function bench(bundleUrl: string, photo: ArrayBuffer, runs: number, options: LoadOptions): Promise<Stats> {
  const t0 = performance.now();
  const worker = new Worker(new URL('../../../workers/inference/src/worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<InferenceWorkerApi>(worker);
  const loaded = await api.load(bundleUrl, options);
  const tLoaded = performance.now();
  const first = await api.diagnose([photo.slice(0)]);
  const coldMs = performance.now() - t0;
  const stages = { workerStartMs: tLoaded - t0 - loaded.loadMs, ...loaded.stagesMs, firstDiagnosisMs: coldMs - (tLoaded - t0) };
  const warmMs: number[] = [];
  const pipelineMs: number[] = [];
  const stepsMs: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const copy = photo.slice(0);
    const t = performance.now();
    const d = await api.diagnose([copy]);
    warmMs.push(performance.now() - t);
    pipelineMs.push(d.elapsedMs);
    if (d.stagesMs) stepsMs.push(d.stagesMs);
  }
  worker.terminate();
  return {
    coldMs,
    stages,
    loadMs: loaded.loadMs,
    warmMs,
    pipelineMs,
    stepsMs,
    backend: loaded.backend,
    isolated: crossOriginIsolated,
    kind: first.kind,
  };
}

Object.assign(globalThis, { bench });
