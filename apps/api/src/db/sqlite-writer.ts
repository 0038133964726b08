// SQLite hot path for POST /v1/feedback: prepared statements reused across requests, one
// transaction per batch. Kysely would compile the SQL and SQLite re-prepare it on every batch,
// which costs more than the inserts themselves. Same table, same semantics as the Kysely path.
import type { FeedbackRecord } from '@leafcheck/sync';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { toRow } from './feedback-store.ts';
import { FEEDBACK_COLUMNS } from './schema.ts';

export function sqliteFeedbackWriter(database: SqliteDatabase) {
  const insert = database.prepare(
    `insert into feedback (${FEEDBACK_COLUMNS.join(', ')}) values (${FEEDBACK_COLUMNS.map((c) => `@${c}`).join(', ')}) on conflict (id) do nothing`,
  );
  const exists = database.prepare('select 1 from feedback where id = ?').pluck();
  const insertAll = database.transaction((rows: ReturnType<typeof toRow>[]) => {
    const inserted = new Set<string>();
    for (const row of rows) if (insert.run(row).changes === 1) inserted.add(row.id);
    return inserted;
  });
  return {
    async existing(ids: string[]): Promise<Set<string>> {
      return new Set(ids.filter((id) => exists.get(id) !== undefined));
    },
    async insert(records: FeedbackRecord[], tokenId: string, receivedAt: string): Promise<Set<string>> {
      return insertAll(records.map((r) => toRow(r, tokenId, receivedAt)));
    },
  };
}
