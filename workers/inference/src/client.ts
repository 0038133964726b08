// Page-side helper: the AbortSignal way to call the worker (a newer request cancels an older one).

import type { Diagnosis } from '@leafcheck/diagnosis/types';
import type { Remote } from 'comlink';
import type { DiagnoseOptions, InferenceWorkerApi } from './api.ts';

let counter = 0;

/** diagnose() that stops when `signal` aborts: the worker drops the request and it rejects with CANCELLED. */
export function diagnoseWithSignal(
  api: Remote<InferenceWorkerApi>,
  photos: ArrayBuffer[],
  options: DiagnoseOptions & { signal?: AbortSignal } = {},
): Promise<Diagnosis> {
  const { signal, ...rest } = options;
  const requestKey = rest.requestKey ?? `signal-${++counter}`;
  const onAbort = () => void api.cancel(requestKey);
  signal?.addEventListener('abort', onAbort, { once: true });
  return api.diagnose(photos, { ...rest, requestKey }).finally(() => signal?.removeEventListener('abort', onAbort));
}
