// Runs the same API tests on SQLite (temp file) and, when TEST_DATABASE_URL is set, on PostgreSQL
// (each suite in its own schema, dropped afterwards); without it the PostgreSQL suites are reported as skipped.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, type TestOptions } from 'vitest';
import { type AppDeps, createApp } from '../src/app.ts';
import type { AppConfig, BundleInfo } from '../src/context.ts';
import { type OpenDb, openDb } from '../src/db/connect.ts';
import { createStorage } from '../src/db/storage.ts';
import type { LabelSuggester } from '../src/llm/suggester.ts';
import { localPhotoStore } from '../src/photos/photo-store.ts';
import type { Channels } from '../src/registry/channels.ts';
import type { BundleRegistry } from '../src/registry/registry.ts';
import type { TrainingSetup } from '../src/training/backend.ts';

export type Backend = 'sqlite' | 'postgres';
export const backends: Backend[] = ['sqlite', 'postgres'];
/** PostgreSQL suites run only with TEST_DATABASE_URL; without it they are reported as skipped, never left out. */
export const postgresAvailable = Boolean(process.env.TEST_DATABASE_URL);
export const postgresSkipReason =
  "no PostgreSQL: TEST_DATABASE_URL is not set (npm test starts a throwaway server when Debian's postgresql-15 is installed: apt-get install -y postgresql-15)";

/** `describe.each(backends)` that reports the PostgreSQL suite as skipped, with its reason, when there is no server. */
export function describeEachBackend(
  title: string,
  optionsOrFn: TestOptions | ((backend: Backend) => void),
  maybeFn?: (backend: Backend) => void,
): void {
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
  if (!fn) throw new Error('describeEachBackend needs a suite function');
  for (const backend of backends) {
    const name = title.replace('%s', backend);
    if (backend === 'postgres' && !postgresAvailable) {
      describe.skip(`${name} [skipped: ${postgresSkipReason}]`, options, () => fn(backend));
    } else {
      describe(name, options, () => fn(backend));
    }
  }
}

export const testBundle: BundleInfo = {
  version: '1.0.0',
  createdAt: '2026-11-01T00:00:00Z',
  metrics: { 'disease.top1': 0.95 },
  labels: ['Tomato___Late_blight', 'Tomato___healthy', 'Tomato___Early_blight', 'Background_without_leaves'],
};

export interface Harness {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  db: OpenDb;
  tokens: { device: string; agronomist: string; maintainer: string };
  dir: string;
  close(): Promise<void>;
}

export async function openHarness(
  backend: 'sqlite' | 'postgres',
  options: {
    llm?: LabelSuggester | null;
    config?: Partial<AppConfig>;
    bundle?: BundleInfo | null;
    now?: () => Date;
    registry?: BundleRegistry;
    channels?: Channels;
    training?: TrainingSetup;
  } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'leafcheck-api-test-'));
  let dropSchema = async () => {};
  let db: OpenDb;
  if (backend === 'postgres') {
    const url = process.env.TEST_DATABASE_URL as string;
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    db = await openDb({ kind: 'postgres', url, schema });
    dropSchema = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    };
  } else {
    db = await openDb({ kind: 'sqlite', path: join(dir, 'test.db') });
  }
  const storage = createStorage(db.db, options.now, db.feedbackWriter);
  const tokens = {
    device: (await storage.tokens.issue('device', 'd')).token,
    agronomist: (await storage.tokens.issue('agronomist', 'a')).token,
    maintainer: (await storage.tokens.issue('maintainer', 'm')).token,
  };
  const deps: AppDeps = {
    storage,
    photos: localPhotoStore(join(dir, 'photos')),
    llm: options.llm ?? null,
    bundle: options.bundle === undefined ? testBundle : options.bundle,
    config: { corsOrigins: ['https://app.leafcheck.test'], ...options.config },
    ...(options.now ? { now: options.now } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.channels ? { channels: options.channels } : {}),
    ...(options.training ? { training: options.training } : {}),
  };
  return {
    app: createApp(deps),
    deps,
    db,
    tokens,
    dir,
    async close() {
      await db.close();
      await dropSchema();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function call(h: Harness, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  return h.app.request(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}
