// Bundle files on the phone, by content: one entry per sha256 in Cache Storage, so two bundles that share a
// backbone hold it once and an update downloads only what the phone lacks. A download that broke off keeps
// its bytes under a partial entry and resumes from there. The page writes (model-update), the worker reads.
import type { BundleSource } from '@leafcheck/bundle';

export interface FileStore {
  get(sha256: string): Promise<Uint8Array | null>;
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  /** The bytes of an unfinished download, if any. */
  getPartial(sha256: string): Promise<Uint8Array | null>;
  putPartial(sha256: string, bytes: Uint8Array): Promise<void>;
  deletePartial(sha256: string): Promise<void>;
  /** Deletes every whole or partial file whose sha256 is not in `keep`. */
  keepOnly(keep: ReadonlySet<string>): Promise<void>;
}

export const MODEL_FILES_CACHE = 'leafcheck-model-files';

/** Cache Storage, under synthetic same-origin URLs that are never fetched from the network. */
export function cacheFileStore(origin: string, cacheName = MODEL_FILES_CACHE): FileStore {
  const url = (kind: 'file' | 'partial', sha256: string) => `${origin}/__model-files/${kind}/${sha256}`;
  const cache = () => caches.open(cacheName);
  const read = async (key: string) => {
    const hit = await (await cache()).match(key);
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  };
  const write = async (key: string, bytes: Uint8Array) => {
    await (await cache()).put(
      key,
      new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }),
    );
  };
  return {
    get: (sha256) => read(url('file', sha256)),
    put: (sha256, bytes) => write(url('file', sha256), bytes),
    getPartial: (sha256) => read(url('partial', sha256)),
    putPartial: (sha256, bytes) => write(url('partial', sha256), bytes),
    async deletePartial(sha256) {
      await (await cache()).delete(url('partial', sha256));
    },
    async keepOnly(keep) {
      const c = await cache();
      for (const request of await c.keys()) {
        const sha256 = request.url.split('/').pop() ?? '';
        if (!keep.has(sha256)) await c.delete(request);
      }
    },
  };
}

export function memoryFileStore(): FileStore & { files: Map<string, Uint8Array>; partials: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const partials = new Map<string, Uint8Array>();
  return {
    files,
    partials,
    get: async (sha256) => files.get(sha256) ?? null,
    put: async (sha256, bytes) => void files.set(sha256, bytes),
    getPartial: async (sha256) => partials.get(sha256) ?? null,
    putPartial: async (sha256, bytes) => void partials.set(sha256, bytes),
    deletePartial: async (sha256) => void partials.delete(sha256),
    async keepOnly(keep) {
      for (const map of [files, partials]) for (const sha256 of [...map.keys()]) if (!keep.has(sha256)) map.delete(sha256);
    },
  };
}

/** A bundle (file name -> sha256, manifest.json included) read from the store; verifyBundle checks every byte. */
export function storeSource(files: Readonly<Record<string, string>>, store: FileStore): BundleSource {
  return {
    async read(name) {
      const sha256 = files[name];
      return sha256 === undefined ? null : store.get(sha256);
    },
  };
}
