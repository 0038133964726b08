/**
 * WASM threads need SharedArrayBuffer, which needs cross-origin isolation (COOP + COEP headers).
 * Without it onnxruntime-web would fall back on its own, but asking for 1 thread outright means
 * it never tries to start pthread workers that cannot run.
 */
export function chooseThreads(isolated: boolean, hardwareConcurrency: number | undefined): { threads: number; why: string } {
  if (!isolated) return { threads: 1, why: 'page not cross-origin isolated (COOP/COEP missing): 1 thread' };
  const threads = Math.max(1, Math.min(2, hardwareConcurrency ?? 1));
  return { threads, why: `cross-origin isolated: ${threads} thread${threads > 1 ? 's' : ''} of ${hardwareConcurrency ?? '?'} cores` };
}
