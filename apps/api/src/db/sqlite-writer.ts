// SQLite hot path for POST /v1/feedback: the inserts run on a thread of their own with its own
// connection (sqlite-writer-thread.mjs), so the event loop keeps serving HTTP while SQLite writes and
// while WAL checkpoints (run by the connection that commits) wait for fsync. One prepared statement
// with positional parameters; one transaction per batch, or per group of batches queued together.
// Same table and semantics as the Kysely path; an ack is sent only after its transaction committed.
import { Worker } from 'node:worker_threads';
import type { FeedbackRecord } from '@leafcheck/sync';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { type FeedbackStore, toRow } from './feedback-store.ts';
import { FEEDBACK_COLUMNS } from './schema.ts';

export interface FeedbackWriter extends Pick<FeedbackStore, 'existing' | 'insert'> {
  /** Waits for queued inserts, then stops the thread. */
  close(): Promise<void>;
}

type Reply = { id: number; inserted: boolean[] } | { id: number; error: string };

export const FEEDBACK_INSERT_SQL = `insert into feedback (${FEEDBACK_COLUMNS.join(', ')}) values (${FEEDBACK_COLUMNS.map(() => '?').join(', ')}) on conflict (id) do nothing`;

/** A record as the insert's positional parameters (binding 19 named ones from an object costs more). */
export function insertParams(record: FeedbackRecord, tokenId: string, receivedAt: string): unknown[] {
  const row = toRow(record, tokenId, receivedAt);
  return FEEDBACK_COLUMNS.map((c) => row[c]);
}

/** `database`: the main connection (reads); `path` and `pragmas`: how the writer thread opens its own. */
export function sqliteFeedbackWriter(database: SqliteDatabase, path: string, pragmas: string[]): FeedbackWriter {
  const exists = database.prepare('select 1 from feedback where id = ?').pluck();
  const pending = new Map<number, { resolve: (inserted: boolean[]) => void; reject: (error: Error) => void }>();
  let worker: Worker | null = null;
  let nextId = 0;

  // Started on the first insert (the CLI never needs it); referenced only while inserts are pending.
  const thread = () => {
    if (worker) return worker;
    const started = new Worker(new URL('./sqlite-writer-thread.mjs', import.meta.url), {
      workerData: { path, pragmas, sql: FEEDBACK_INSERT_SQL },
    });
    started.on('message', (reply: Reply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if ('error' in reply) waiting?.reject(new Error(reply.error));
      else waiting?.resolve(reply.inserted);
    });
    const failAll = (error: Error) => {
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
      if (worker === started) worker = null;
    };
    started.on('error', failAll);
    started.on('exit', (code) => failAll(new Error(`SQLite writer thread exited (${code})`)));
    worker = started;
    return started;
  };

  return {
    async existing(ids) {
      return new Set(ids.filter((id) => exists.get(id) !== undefined));
    },
    async insert(records: FeedbackRecord[], tokenId: string, receivedAt: string) {
      if (records.length === 0) return new Set<string>();
      const rows = records.map((r) => insertParams(r, tokenId, receivedAt));
      const target = thread();
      const id = nextId++;
      const inserted = await new Promise<boolean[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        target.ref();
        target.postMessage({ id, rows });
      });
      return new Set(records.filter((_, i) => inserted[i]).map((r) => r.id));
    },
    async close() {
      const running = worker;
      if (!running) return;
      running.ref();
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.postMessage({ close: true });
      await exited;
    },
  };
}
