// Loaded by page.html in the browser tests: starts the real worker and exposes a few handles.

import * as diagnosis from '@leafcheck/diagnosis';
import * as Comlink from 'comlink';
import type { InferenceWorkerApi } from '../src/api.ts';
import { diagnoseWithSignal } from '../src/client.ts';
import { createBrowserDecoder } from '../src/decode-browser.ts';

function startWorker(): Comlink.Remote<InferenceWorkerApi> {
  const worker = new Worker(new URL('../src/worker.ts', import.meta.url), { type: 'module' });
  return Comlink.wrap<InferenceWorkerApi>(worker);
}

const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;

Object.assign(globalThis, { harness: { startWorker, diagnosis, createBrowserDecoder, diagnoseWithSignal, fromBase64 } });
