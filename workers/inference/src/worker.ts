/// <reference types="vite/client" />
// The inference Web Worker: Comlink exposes the engine. The runtime files ship with the app as
// Vite assets (never a CDN); the WebGPU build is fetched only if this device has an adapter.
import * as Comlink from 'comlink';
import wasmMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmBinary from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import * as ort from 'onnxruntime-web/wasm';
import type { GpuLike } from './backend.ts';
import { createBrowserDecoder } from './decode-browser.ts';
import { configureRuntime, createEngine } from './engine.ts';
import { cacheFileStore } from './file-store.ts';
import type { Ort } from './ort-runner.ts';
import { chooseThreads } from './threads.ts';
import { indexedDbVerdicts } from './verdict-store.ts';

ort.env.wasm.wasmPaths = { mjs: new URL(wasmMjs, self.location.href).href, wasm: new URL(wasmBinary, self.location.href).href };
const threads = chooseThreads(self.crossOriginIsolated, navigator.hardwareConcurrency);
configureRuntime(ort, threads.threads);

// A 70-byte Identity model: creating a session on it starts the WASM runtime (fetch + compile,
// most of a cold start) while the page is still deciding to call load() and while load() verifies.
const WARM_UP_MODEL = 'CAg6PAoQCgF4EgF5IghJZGVudGl0eRIGd2FybXVwWg8KAXgSCgoICAESBAoCCAFiDwoBeRIKCggIARIECgIIAUIECgAQDQ==';
const runtimeReady = ort.InferenceSession.create(Uint8Array.from(atob(WARM_UP_MODEL), (c) => c.charCodeAt(0))).then(
  (s) => s.release(),
  () => undefined, // load() will report the real failure
);

async function loadWebGpuOrt(): Promise<Ort> {
  const [gpuOrt, mjs, wasm] = await Promise.all([
    import('onnxruntime-web/webgpu'),
    import('onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url'),
    import('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url'),
  ]);
  gpuOrt.env.wasm.wasmPaths = { mjs: new URL(mjs.default, self.location.href).href, wasm: new URL(wasm.default, self.location.href).href };
  gpuOrt.env.wasm.numThreads = ort.env.wasm.numThreads;
  return gpuOrt as unknown as Ort;
}

const api = createEngine({
  ort,
  loadWebGpuOrt,
  createDecoder: createBrowserDecoder,
  verdicts: indexedDbVerdicts,
  threads,
  runtimeReady,
  gpu: (navigator as Navigator & { gpu?: GpuLike }).gpu,
  fileStore: cacheFileStore(self.location.origin),
});

Comlink.expose(api);
