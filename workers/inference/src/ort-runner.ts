// A ModelRunner over onnxruntime-web. The WASM-only and the WebGPU builds share this API.
import type { VerifiedBundle } from '@leafcheck/bundle';
import type { ModelKind, ModelRunner } from '@leafcheck/diagnosis';
import type * as OrtWeb from 'onnxruntime-web/wasm';

export type Ort = typeof OrtWeb;

export interface OrtRunner extends ModelRunner {
  release(): Promise<void>;
}

export async function createOrtRunner(ort: Ort, bundle: VerifiedBundle, executionProvider: 'wasm' | 'webgpu'): Promise<OrtRunner> {
  const sessions = {} as Record<ModelKind, OrtWeb.InferenceSession>;
  for (const kind of ['species', 'disease'] as const) {
    const bytes = bundle.files.get(bundle.manifest.models[kind].file);
    if (!bytes) throw new Error(`${kind} model missing from the verified bundle`);
    // (No allow_spinning option here, unlike Node: with threads onnxruntime-web uses one global
    // pool and ignores per-session thread-pool options.)
    sessions[kind] = await ort.InferenceSession.create(bytes, { executionProviders: [executionProvider], graphOptimizationLevel: 'all' });
  }
  // One run at a time: onnxruntime-web refuses concurrent runs on a session, and queued
  // requests can still be cancelled before their turn.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(kind, input, dims) {
      const m = bundle.manifest.models[kind];
      const next = queue.then(async () => {
        const out = await sessions[kind].run({ [m.input.name]: new ort.Tensor('uint8', input, [...dims]) });
        const t = out[m.output.name];
        if (t?.type !== 'float32') throw new Error(`${kind} model output "${m.output.name}" is missing or not float32`);
        // WebGPU tensors may live on the GPU; getData() downloads them, CPU tensors return at once.
        return new Float32Array((await t.getData()) as Float32Array);
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async release() {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
    },
  };
}
