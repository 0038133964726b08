// SQLite hot path for POST /v1/feedback: prepared statements reused across requests, one
// transaction per batch. Kysely would compile the SQL and SQLite re-prepare it on every batch,
// which costs more than the inserts themselves. Same table, same semantics as the Kysely path.
import type { FeedbackRecord } from '@leafcheck/sync';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { toRow } from './feedback-store.ts';

const COLUMNS = [
  'id',
  'device_id',
  'app_version',
  'bundle_version',
  'prediction_kind',
  'predicted_crop',
  'predicted_label',
  'predicted_probability',
  'top_k_json',
  'verdict',
  'corrected_label',
  'note',
  'has_photo',
  'lat',
  'lon',
  'diagnosed_at',
  'created_at',
  'received_at',
  'token_id',
] as const;

export function sqliteFeedbackWriter(database: SqliteDatabase) {
  const insert = database.prepare(
    `insert into feedback (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => `@${c}`).join(', ')}) on conflict (id) do nothing`,
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
