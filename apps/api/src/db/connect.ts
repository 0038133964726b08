// Opens the database the environment names: PostgreSQL when given a postgres:// URL, else SQLite
// (better-sqlite3, WAL) at a file path. Migrations run on open.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import { type FeedbackWriter, sqliteFeedbackWriter } from './sqlite-writer.ts';

export type DbTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string };

export interface OpenDb {
  db: Kysely<Database>;
  kind: DbTarget['kind'];
  /** On SQLite, the feedback hot path (prepared statements on a writer thread); null elsewhere. */
  feedbackWriter: FeedbackWriter | null;
  close(): Promise<void>;
}

/** Every SQLite connection (the main one and the writer thread's) gets these. */
export const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
];

export async function openDb(target: DbTarget): Promise<OpenDb> {
  let db: Kysely<Database>;
  let sqlite: SQLite.Database | null = null;
  if (target.kind === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
    sqlite = new SQLite(target.path);
    for (const pragma of SQLITE_PRAGMAS) sqlite.pragma(pragma);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    const options = target.schema ? `-c search_path=${target.schema}` : undefined;
    const pool = new pg.Pool({ connectionString: target.url, max: 10, ...(options ? { options } : {}) });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  await migrateToLatest(db as Kysely<unknown>, target.kind === 'postgres' ? target.schema : undefined);
  // A second connection cannot see an in-memory database: its feedback goes through Kysely.
  const feedbackWriter =
    sqlite && target.kind === 'sqlite' && target.path !== ':memory:' ? sqliteFeedbackWriter(sqlite, target.path, SQLITE_PRAGMAS) : null;
  const close = async () => {
    await feedbackWriter?.close();
    await db.destroy();
  };
  return { db, kind: target.kind, feedbackWriter, close };
}

/** DATABASE_URL (postgres) wins; else LEAFCHECK_DB or .leafcheck/leafcheck.db under `cwd`. */
export function dbTargetFromEnv(env: NodeJS.ProcessEnv, cwd: string): DbTarget {
  const url = env.DATABASE_URL;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`DATABASE_URL must be a postgres:// URL, got ${url.split(':')[0]}:`);
    return { kind: 'postgres', url };
  }
  return { kind: 'sqlite', path: env.LEAFCHECK_DB ?? `${cwd}/.leafcheck/leafcheck.db` };
}
