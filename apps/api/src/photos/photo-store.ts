// Where feedback photos live. The default is a local directory; another backend (S3, ...) would
// implement the same three methods and be chosen in server.ts.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PhotoStore {
  /** Idempotent: writing the same id twice leaves one photo. */
  put(id: string, jpeg: Uint8Array): Promise<void>;
  get(id: string): Promise<Uint8Array | null>;
}

const SAFE_ID = /^[0-9a-f-]{36}$/;

export function localPhotoStore(dir: string): PhotoStore {
  const pathOf = (id: string) => {
    if (!SAFE_ID.test(id)) throw new Error(`not a record id: ${id}`);
    return join(dir, id.slice(0, 2), `${id}.jpg`);
  };
  return {
    async put(id, jpeg) {
      const path = pathOf(id);
      await mkdir(join(dir, id.slice(0, 2)), { recursive: true });
      // Write-then-rename: a crash never leaves a half photo under the final name.
      const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, jpeg);
      await rename(tmp, path);
    },
    async get(id) {
      if (!SAFE_ID.test(id)) return null;
      try {
        return new Uint8Array(await readFile(pathOf(id)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}
