// InferenceWorkerApi without Comlink: load a verified bundle, pick a backend, run the shared pipeline.
import { BundleError, DEFAULT_TRUSTED_KEYS, sharesOneGraph, type TrustedKey, verifyBundle } from '@leafcheck/bundle';
import { createPipeline, DiagnosisError, type ImageDecoder, type Pipeline, runSelfTest } from '@leafcheck/diagnosis';
import type { Diagnosis } from '@leafcheck/diagnosis/types';
import type { DiagnoseOptions, InferenceErrorCode, InferenceWorkerApi, LoadedBundle, LoadOptions } from './api.ts';
import { type BackendChoice, chooseBackend, type GpuLike, goldenInputs } from './backend.ts';
import { fetchSource } from './bundle-source.ts';
import { type FileStore, storeSource } from './file-store.ts';
import { createOrtRunner, type Ort } from './ort-runner.ts';
import type { VerdictStore } from './verdict-store.ts';

export interface EngineDeps {
  /** onnxruntime-web's WASM-only build, already pointed at the app's own .wasm/.mjs files. */
  ort: Ort;
  loadWebGpuOrt: () => Promise<Ort>;
  createDecoder: () => Promise<ImageDecoder>;
  verdicts: VerdictStore;
  /** From chooseThreads(); the runtime must already be configured with it (configureRuntime). */
  threads: { threads: number; why: string };
  /** Resolves when the WASM runtime has started (the worker starts it at once, before load()). */
  runtimeReady?: Promise<void>;
  gpu: GpuLike | undefined;
  /** Where downloaded bundles live (LoadOptions.files); absent: only bundles over fetch. */
  fileStore?: FileStore;
}

/** Errors cross the worker boundary as plain Errors whose `name` is the code (Comlink keeps name and message). */
export function inferenceError(code: InferenceErrorCode, message: string): Error {
  const e = new Error(message);
  e.name = code;
  return e;
}

function toInferenceError(err: unknown, fallback: InferenceErrorCode): Error {
  if (err instanceof DiagnosisError) return inferenceError(err.code, err.advice ? `${err.message}. ${err.advice}` : err.message);
  if (err instanceof BundleError) return inferenceError('BUNDLE_INVALID', `${err.code}: ${err.message}`);
  const e = err as Error;
  if (e?.name === 'BUNDLE_UNAVAILABLE') return inferenceError('BUNDLE_UNAVAILABLE', e.message);
  return inferenceError(fallback, e?.message ?? String(err));
}

/** Before the first session: only the first InferenceSession.create reads these. */
export function configureRuntime(ort: Ort, threads: number): void {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false; // already off the main thread
  ort.env.wasm.initTimeout = 30_000; // a runtime that cannot start fails instead of hanging
}

export function createEngine(deps: EngineDeps): InferenceWorkerApi {
  interface Loaded {
    pipeline: Pipeline;
    backend: BackendChoice;
    /** Diagnoses still using this bundle's sessions: a newer load() releases them only after these finish. */
    inFlight: number;
    retired: boolean;
  }
  let current: Loaded | null = null;
  const releaseIfIdle = (l: Loaded) => {
    if (l.retired && l.inFlight === 0) void l.backend.runner.release().catch(() => undefined);
  };
  const running = new Map<string, AbortController>();

  async function load(baseUrl: string, options: LoadOptions = {}): Promise<LoadedBundle> {
    const t0 = performance.now();
    const { threads } = deps;
    try {
      const trusted: TrustedKey[] = [...DEFAULT_TRUSTED_KEYS, ...(options.trustedKeys ?? [])];
      const source = options.files && deps.fileStore ? storeSource(options.files, deps.fileStore) : fetchSource(baseUrl);
      const bundle = await verifyBundle(source, trusted, options.rollback ? { rollback: options.rollback } : {});
      const t1 = performance.now();
      await deps.runtimeReady;
      const [wasm, decoder] = await Promise.all([createOrtRunner(deps.ort, bundle, 'wasm'), deps.createDecoder()]);
      const t2 = performance.now();
      const backend = await chooseBackend({
        bundle,
        wasm,
        threads,
        gpu: deps.gpu,
        loadWebGpuOrt: deps.loadWebGpuOrt,
        store: deps.verdicts,
      });
      const t3 = performance.now();
      // One run of each model now, while the farmer is still framing the photo: onnxruntime's first
      // run allocates and plans, and would otherwise land on the first diagnosis.
      const kinds = ['species', 'disease'] as const;
      for (const group of sharesOneGraph(bundle.manifest) ? [kinds] : kinds.map((k) => [k])) {
        const { height, width } = bundle.manifest.models[group[0]].input;
        const logits = await backend.runner.run(group, goldenInputs(height, width)[2] as Uint8Array, [1, height, width, 3]);
        // Self-test before this bundle replaces the running one: every model answers, with finite numbers.
        for (const kind of group) {
          const out = logits[kind];
          if (!out || out.length !== bundle.manifest.models[kind].output.labels.length || !out.every(Number.isFinite)) {
            throw inferenceError('MODEL_FAILED', `self-test: the ${kind} model of ${bundle.manifest.bundleVersion} gives no usable answer`);
          }
        }
      }
      // A downloaded bundle's own self-test (manifest.selfTest): fixed images, the answers recorded when it was made.
      // (The embedded bundle shipped with the app; its cold start does not pay the three extra runs.)
      const { height, width } = bundle.manifest.models.species.input;
      if (options.files) {
        await runSelfTest(bundle.manifest, (image) => backend.runner.run(['species', 'disease'], image, [1, height, width, 3])).catch(
          (error: unknown) => {
            throw inferenceError('MODEL_FAILED', (error as Error).message);
          },
        );
      }
      const stagesMs = { fetchAndVerify: t1 - t0, runtimeAndSessions: t2 - t1, backendChoice: t3 - t2, firstRuns: performance.now() - t3 };
      if (backend.runner !== wasm) await wasm.release();
      const previous = current;
      current = { pipeline: createPipeline(bundle, backend.runner, decoder), backend, inFlight: 0, retired: false };
      if (previous) {
        previous.retired = true;
        releaseIfIdle(previous);
      }
      const m = bundle.manifest;
      return {
        bundleVersion: m.bundleVersion,
        crops: Object.keys(m.taxonomy.crops),
        taxonomy: m.taxonomy.crops,
        content: bundle.content,
        backend: backend.report,
        loadMs: performance.now() - t0,
        stagesMs,
      };
    } catch (err) {
      throw toInferenceError(err, 'MODEL_FAILED');
    }
  }

  async function diagnose(photos: ArrayBuffer[], options: DiagnoseOptions = {}): Promise<Diagnosis> {
    const loaded = current;
    if (!loaded) throw inferenceError('BUNDLE_UNAVAILABLE', 'no bundle loaded: call load() first');
    loaded.inFlight++;
    const controller = new AbortController();
    const key = options.requestKey;
    if (key !== undefined) {
      running.get(key)?.abort();
      running.set(key, controller);
    }
    try {
      const request = {
        signal: controller.signal,
        ...(options.crop !== undefined ? { crop: options.crop } : {}),
        ...(options.heatmap ? { heatmap: true } : {}),
      };
      const result = await loaded.pipeline.diagnose(
        photos.map((p) => new Uint8Array(p)),
        request,
      );
      // A result that finished after it was cancelled is still cancelled: the page moved on.
      if (controller.signal.aborted) throw new DiagnosisError('CANCELLED', 'cancelled by a newer request');
      return result;
    } catch (err) {
      throw toInferenceError(err, 'MODEL_FAILED');
    } finally {
      if (key !== undefined && running.get(key) === controller) running.delete(key);
      loaded.inFlight--;
      releaseIfIdle(loaded);
    }
  }

  async function cancel(requestKey: string): Promise<void> {
    running.get(requestKey)?.abort();
    running.delete(requestKey);
  }

  return { load, diagnose, cancel };
}
