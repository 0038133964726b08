// Published model bundles, by version. Every backend (local directory here, the HF Hub in hub-registry.ts)
// only stores and reads files; publishing is one shared step (gatedRegistry): verify (signature, sizes,
// hashes, labels), keep published versions immutable, run the promotion gate against the newest published
// bundle, then store the files with published.json (which records the gate report).
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BundleManifest,
  type BundleSource,
  compareVersions,
  formatGateReport,
  type GateReport,
  gateCandidate,
  type PromotionPolicy,
  parseManifest,
  type TrustedKey,
  type VerifiedBundle,
  verifyBundle,
} from '@leafcheck/bundle';

export interface PublishedBundle {
  version: string;
  createdAt: string;
  publishedAt: string;
  /** Key that signed the manifest. */
  keyId: string;
  metrics: Record<string, number>;
  files: string[];
  /** The promotion gate's report at publish time (absent on bundles published before the gate existed). */
  gate?: GateReport;
}

export interface BundleRegistry {
  /** Verifies, gates and stores; the same bytes again is a no-op, other bytes under a published version are refused. */
  publish(source: BundleSource): Promise<PublishedBundle>;
  /** Verifies and gates against the newest published bundle without storing anything. */
  check(source: BundleSource): Promise<GateReport>;
  /** Newest version first. */
  list(): Promise<PublishedBundle[]>;
  read(version: string, file: string): Promise<Uint8Array | null>;
}

/** What a storage backend provides; names are already validated. */
export interface RegistryStore {
  meta(version: string): Promise<PublishedBundle | null>;
  file(version: string, name: string): Promise<Uint8Array | null>;
  versions(): Promise<string[]>;
  /** Writes every file and published.json so that readers never see a version half-written. */
  store(version: string, files: ReadonlyMap<string, Uint8Array>, published: PublishedBundle): Promise<void>;
}

export class RegistryError extends Error {
  override readonly name: string = 'RegistryError';
}

/** The candidate failed the promotion gate; `report` has every check. */
export class PromotionRefusedError extends RegistryError {
  override readonly name = 'PromotionRefusedError';
  constructor(readonly report: GateReport) {
    const failed = report.checks.filter((c) => !c.pass);
    super(
      `bundle ${report.candidateVersion} failed the promotion gate against ${report.currentVersion}: ${failed
        .map((c) => `${c.rule} ${c.subject} (${c.reason})`)
        .join('; ')}`,
    );
  }
}

export const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export interface GatedRegistryOptions {
  trusted: readonly TrustedKey[];
  now?: () => Date;
  policy?: Partial<PromotionPolicy>;
  /**
   * The bundle the phones run without any update (the app's embedded default). A candidate is gated against the
   * newer of it and the newest published bundle, so the first publish is never passed "because the registry is empty".
   */
  baseline?: () => Promise<BundleManifest | null>;
}

export function gatedRegistry(store: RegistryStore, options: GatedRegistryOptions): BundleRegistry {
  const now = options.now ?? (() => new Date());
  const list = async () => {
    const metas = await Promise.all((await store.versions()).filter((v) => VERSION.test(v)).map((v) => store.meta(v)));
    return metas.filter((m): m is PublishedBundle => m !== null).sort((a, b) => compareVersions(b.version, a.version));
  };
  const gate = async (verified: VerifiedBundle): Promise<GateReport> => {
    const newest = (await list()).find((b) => b.version !== verified.manifest.bundleVersion) ?? null;
    const bytes = newest ? await store.file(newest.version, 'manifest.json') : null;
    if (newest && !bytes) throw new RegistryError(`published bundle ${newest.version} has no manifest.json`);
    const published = bytes ? parseManifest(new TextDecoder().decode(bytes)) : null;
    const embedded = options.baseline ? await options.baseline() : null;
    const current = embedded && (!published || compareVersions(embedded.bundleVersion, published.bundleVersion) > 0) ? embedded : published;
    return gateCandidate(verified.manifest, current, options.policy);
  };
  return {
    async publish(source) {
      const verified = await verifyBundle(source, options.trusted);
      const version = verified.manifest.bundleVersion;
      const existing = await store.meta(version);
      if (existing) {
        const stored = await store.file(version, 'manifest.json');
        if (stored && sameBytes(stored, verified.files.get('manifest.json') as Uint8Array)) return existing;
        throw new RegistryError(`bundle version ${version} is already published with different content; bump bundleVersion`);
      }
      const report = await gate(verified);
      if (!report.pass) throw new PromotionRefusedError(report);
      const published: PublishedBundle = {
        version,
        createdAt: verified.manifest.createdAt,
        publishedAt: now().toISOString(),
        keyId: verified.signedBy.keyId,
        metrics: verified.manifest.metrics,
        files: [...verified.files.keys()].sort(),
        gate: report,
      };
      await store.store(version, verified.files, published);
      return published;
    },
    async check(source) {
      return gate(await verifyBundle(source, options.trusted));
    },
    list,
    async read(version, file) {
      if (!VERSION.test(version) || !FILE.test(file) || file === 'published.json') return null;
      return store.file(version, file);
    },
  };
}

/** Lines for a person: the gate report, or why nothing was gated. */
export function describeRefusal(error: unknown): string[] {
  if (error instanceof PromotionRefusedError) return ['not published:', ...formatGateReport(error.report)];
  return [`not published: ${(error as Error).message}`];
}

export function localRegistry(
  dir: string,
  trusted: readonly TrustedKey[],
  now?: () => Date,
  baseline?: GatedRegistryOptions['baseline'],
): BundleRegistry {
  const meta = async (version: string): Promise<PublishedBundle | null> => {
    try {
      return JSON.parse(await readFile(join(dir, version, 'published.json'), 'utf8')) as PublishedBundle;
    } catch {
      return null;
    }
  };
  return gatedRegistry(
    {
      meta,
      async file(version, name) {
        if ((await meta(version)) === null) return null;
        try {
          return new Uint8Array(await readFile(join(dir, version, name)));
        } catch {
          return null;
        }
      },
      versions: () => readdir(dir).catch(() => []),
      async store(version, files, published) {
        // Stage, then rename: readers never see a half-written version.
        const staging = join(dir, `.staging-${randomBytes(6).toString('hex')}`);
        await mkdir(staging, { recursive: true });
        try {
          for (const [name, bytes] of files) await writeFile(join(staging, name), bytes);
          await writeFile(join(staging, 'published.json'), `${JSON.stringify(published, null, 2)}\n`);
          await rename(staging, join(dir, version));
        } catch (error) {
          await rm(staging, { recursive: true, force: true });
          if ((await meta(version)) !== null) throw new RegistryError(`bundle version ${version} was published concurrently`);
          throw error;
        }
      },
    },
    { trusted, ...(now ? { now } : {}), ...(baseline ? { baseline } : {}) },
  );
}
