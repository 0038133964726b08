// Published model bundles, by version. A bundle is verified (signature, sizes, hashes, labels)
// before it is stored; a version, once published, never changes. Local directory by default;
// another backend (e.g. the HF Hub) implements the same interface.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BundleSource, type TrustedKey, type VerifiedBundle, verifyBundle } from '@leafcheck/bundle';
import { compareVersions } from './semver.ts';

export interface PublishedBundle {
  version: string;
  createdAt: string;
  publishedAt: string;
  /** Key that signed the manifest. */
  keyId: string;
  metrics: Record<string, number>;
  files: string[];
}

export interface BundleRegistry {
  /** Verifies and stores; the same bytes again is a no-op, other bytes under a published version are refused. */
  publish(source: BundleSource): Promise<PublishedBundle>;
  /** Newest version first. */
  list(): Promise<PublishedBundle[]>;
  read(version: string, file: string): Promise<Uint8Array | null>;
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}

const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Publishing is idempotent for identical bytes; a version never changes content. Shared by every registry backend. */
export function republished(existing: PublishedBundle, storedManifest: Uint8Array | null, verified: VerifiedBundle): PublishedBundle {
  if (storedManifest && sameBytes(storedManifest, verified.files.get('manifest.json') as Uint8Array)) return existing;
  throw new RegistryError(
    `bundle version ${verified.manifest.bundleVersion} is already published with different content; bump bundleVersion`,
  );
}

export function describePublished(verified: VerifiedBundle, publishedAt: Date): PublishedBundle {
  return {
    version: verified.manifest.bundleVersion,
    createdAt: verified.manifest.createdAt,
    publishedAt: publishedAt.toISOString(),
    keyId: verified.signedBy.keyId,
    metrics: verified.manifest.metrics,
    files: [...verified.files.keys()].sort(),
  };
}

export function localRegistry(dir: string, trusted: readonly TrustedKey[], now: () => Date = () => new Date()): BundleRegistry {
  const readMeta = async (version: string): Promise<PublishedBundle | null> => {
    try {
      return JSON.parse(await readFile(join(dir, version, 'published.json'), 'utf8')) as PublishedBundle;
    } catch {
      return null;
    }
  };
  return {
    async publish(source) {
      const verified = await verifyBundle(source, trusted);
      const version = verified.manifest.bundleVersion;
      const existing = await readMeta(version);
      if (existing) {
        const stored = await readFile(join(dir, version, 'manifest.json'));
        return republished(existing, new Uint8Array(stored), verified);
      }
      const meta = describePublished(verified, now());
      // Stage, then rename: readers never see a half-written version.
      const staging = join(dir, `.staging-${randomBytes(6).toString('hex')}`);
      await mkdir(staging, { recursive: true });
      try {
        for (const [name, bytes] of verified.files) await writeFile(join(staging, name), bytes);
        await writeFile(join(staging, 'published.json'), `${JSON.stringify(meta, null, 2)}\n`);
        await rename(staging, join(dir, version));
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        if ((await readMeta(version)) !== null) throw new RegistryError(`bundle version ${version} was published concurrently`);
        throw error;
      }
      return meta;
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return [];
      }
      const metas = await Promise.all(names.filter((n) => VERSION.test(n)).map(readMeta));
      return metas.filter((m): m is PublishedBundle => m !== null).sort((a, b) => compareVersions(b.version, a.version));
    },
    async read(version, file) {
      if (!VERSION.test(version) || !FILE.test(file) || file === 'published.json') return null;
      if ((await readMeta(version)) === null) return null;
      try {
        return new Uint8Array(await readFile(join(dir, version, file)));
      } catch {
        return null;
      }
    },
  };
}
