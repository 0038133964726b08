/// <reference types="vite/client" />
// The inference Web Worker: Comlink exposes the engine. The runtime files ship with the app as
// Vite assets (never a CDN); the WebGPU build is fetched only if this device has an adapter.
import * as Comlink from 'comlink';
import wasmMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmBinary from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import * as ort from 'onnxruntime-web/wasm';
import type { GpuLike } from './backend.ts';
import { createBrowserDecoder } from './decode-browser.ts';
import { createEngine } from './engine.ts';
import type { Ort } from './ort-runner.ts';
import { indexedDbVerdicts } from './verdict-store.ts';

ort.env.wasm.wasmPaths = { mjs: new URL(wasmMjs, self.location.href).href, wasm: new URL(wasmBinary, self.location.href).href };

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
  isolated: self.crossOriginIsolated,
  hardwareConcurrency: navigator.hardwareConcurrency,
  gpu: (navigator as Navigator & { gpu?: GpuLike }).gpu,
});

Comlink.expose(api);
