// The shared model runner over onnxruntime-web. The WASM-only and the WebGPU builds share this API.
import type { VerifiedBundle } from '@leafcheck/bundle';
import { createModelRunner, ORT_SESSION_CONFIG, ortSessions, type ReleasableRunner } from '@leafcheck/diagnosis';
import type * as OrtWeb from 'onnxruntime-web/wasm';

export type Ort = typeof OrtWeb;

export type OrtRunner = ReleasableRunner;

export function createOrtRunner(ort: Ort, bundle: VerifiedBundle, executionProvider: 'wasm' | 'webgpu'): Promise<OrtRunner> {
  // (No allow_spinning option here, unlike Node: with threads onnxruntime-web uses one global
  // pool and ignores per-session thread-pool options.)
  const options: OrtWeb.InferenceSession.SessionOptions = {
    executionProviders: [executionProvider],
    graphOptimizationLevel: 'all',
    extra: { session: ORT_SESSION_CONFIG },
  };
  return createModelRunner(
    bundle,
    ortSessions({
      createSession: (bytes) => ort.InferenceSession.create(bytes, options),
      tensor: (data, dims) => new ort.Tensor(data, dims),
    }),
  );
}
