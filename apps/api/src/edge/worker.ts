// The API on a Workers-style runtime (Cloudflare Workers; locally workerd through miniflare, see README "Edge").
// The same createApp(deps) as the Node server, with edge backends: Kysely over D1 (kysely-d1, SQLite's
// migrations), photos in R2, no registry / channels / training (their routes answer their documented 503:
// the Node server's training runs spawn the trainer or sign bundles with a local key, which an isolate cannot).
// Per-isolate: the rate limits, load-shedding bounds, failed-sign-in limits and the 5 s verified-token cache live
// in the isolate's memory (each isolate counts on its own); tokens themselves are checked against D1.
import { type DatabaseIntrospector, type Dialect, Kysely, type QueryResult, sql } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import { createApp } from '../app.ts';
import type { AppDeps } from '../context.ts';
import { migrateToLatest } from '../db/migrations.ts';
import type { Database } from '../db/schema.ts';
import { createStorage } from '../db/storage.ts';
import { ROLES, type Role } from '../db/token-store.ts';
import type { PhotoStore } from '../photos/photo-store.ts';

/** The R2 and D1 bindings the worker uses (the subset of @cloudflare/workers-types it calls). */
export interface R2BucketLike {
  put(key: string, value: Uint8Array): Promise<unknown>;
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
}
export interface EdgeEnv {
  DB: ConstructorParameters<typeof D1Dialect>[0]['database'];
  PHOTOS: R2BucketLike;
  /** Comma-separated CORS origins ('*' for tests). */
  LEAFCHECK_CORS_ORIGIN?: string;
  /** JSON {"device": "<token>", ...}: registered once per isolate (tests and first set-up; later: the CLI against D1). */
  LEAFCHECK_BOOTSTRAP_TOKENS?: string;
}

const SAFE_ID = /^[0-9a-f-]{36}$/;

export function r2PhotoStore(bucket: R2BucketLike): PhotoStore {
  return {
    async put(id, jpeg) {
      if (!SAFE_ID.test(id)) throw new Error(`not a record id: ${id}`);
      // An R2 put is atomic: a reader sees the whole object or none.
      await bucket.put(`photos/${id}.jpg`, jpeg);
    },
    async get(id) {
      if (!SAFE_ID.test(id)) return null;
      const object = await bucket.get(`photos/${id}.jpg`);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
  };
}

/**
 * D1 through Kysely. Kysely's SQLite introspector (what the Migrator uses to find its own tables) reads
 * pragma_table_info of every table, and D1 refuses that for its internal `_cf_*` tables (SQLITE_AUTH): this one lists
 * table names only, without them. D1 has no interactive transactions; the API's stores use none.
 */
function d1Dialect(database: EdgeEnv['DB']): Dialect {
  const d1 = new D1Dialect({ database });
  const introspector = (db: Kysely<unknown>): DatabaseIntrospector => ({
    async getSchemas() {
      return [];
    },
    async getTables() {
      const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table'
        and substr(name, 1, 4) <> '_cf_' and substr(name, 1, 7) <> 'sqlite_'`.execute(db);
      return rows.map((row) => ({ name: row.name, isView: false, columns: [] }));
    },
    async getMetadata() {
      return { tables: await this.getTables() };
    },
  });
  return {
    createAdapter: () => d1.createAdapter(),
    // kysely-d1 0.4 still answers numUpdatedOrDeletedRows (Kysely warns on every start): renamed here.
    createDriver: () => {
      const driver = d1.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      driver.acquireConnection = async () => {
        const connection = await acquire();
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = async (query) => {
          const { numUpdatedOrDeletedRows, ...result } = (await execute(query)) as QueryResult<never> & {
            numUpdatedOrDeletedRows?: bigint;
          };
          return { ...result, numAffectedRows: result.numAffectedRows ?? numUpdatedOrDeletedRows } as QueryResult<never>;
        };
        return connection;
      };
      return driver;
    },
    createQueryCompiler: () => d1.createQueryCompiler(),
    createIntrospector: introspector,
  };
}

async function setUp(env: EdgeEnv) {
  const db = new Kysely<Database>({ dialect: d1Dialect(env.DB) });
  await migrateToLatest(db as Kysely<unknown>);
  const storage = createStorage(db);
  const bootstrap = env.LEAFCHECK_BOOTSTRAP_TOKENS ? (JSON.parse(env.LEAFCHECK_BOOTSTRAP_TOKENS) as Partial<Record<Role, string>>) : {};
  for (const role of ROLES) {
    const token = bootstrap[role];
    if (token && !(await storage.tokens.verify(token))) await storage.tokens.register(role, `bootstrap ${role}`, token);
  }
  const deps: AppDeps = {
    storage,
    photos: r2PhotoStore(env.PHOTOS),
    llm: null,
    bundle: null,
    registry: null,
    channels: null,
    training: null,
    config: { corsOrigins: env.LEAFCHECK_CORS_ORIGIN ? env.LEAFCHECK_CORS_ORIGIN.split(',') : [] },
  };
  return createApp(deps);
}

// One app per isolate, built on its first request (bindings arrive with the request, not at module load).
let app: Promise<ReturnType<typeof createApp>> | null = null;

export default {
  async fetch(request: Request, env: EdgeEnv): Promise<Response> {
    app ??= setUp(env).catch((error: unknown) => {
      app = null;
      throw error;
    });
    return (await app).fetch(request);
  },
};
