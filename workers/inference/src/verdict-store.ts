// Remembers the WebGPU self-test verdict per device and bundle version, in IndexedDB (workers have no localStorage).

export interface Verdict {
  backend: 'wasm' | 'webgpu';
  reason: string;
}

export interface VerdictStore {
  get(key: string): Promise<Verdict | undefined>;
  set(key: string, verdict: Verdict): Promise<void>;
}

const DB = 'leafcheck-inference';
const STORE = 'backend-verdicts';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function request<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then((db) =>
    new Promise<T>((resolve, reject) => {
      const req = run(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(req.error);
    }).finally(() => db.close()),
  );
}

export const indexedDbVerdicts: VerdictStore = {
  // A broken or blocked IndexedDB (private mode) only costs a re-run of the self-test.
  get: (key) => request<Verdict | undefined>('readonly', (s) => s.get(key)).catch(() => undefined),
  set: (key, verdict) => request<void>('readwrite', (s) => s.put(verdict, key)).catch(() => undefined),
};
