import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Storage } from '../context.ts';
import { createFeedbackStore } from './feedback-store.ts';
import { createReviewStore } from './review-store.ts';
import type { Database } from './schema.ts';
import { sqliteFeedbackWriter } from './sqlite-writer.ts';
import { createTokenStore } from './token-store.ts';

/** `sqlite`: the raw handle behind `db` when it is SQLite; feedback writes then use prepared statements. */
export function createStorage(db: Kysely<Database>, now?: () => Date, sqlite: SqliteDatabase | null = null): Storage {
  const feedback = createFeedbackStore(db);
  return {
    feedback: sqlite ? { ...feedback, ...sqliteFeedbackWriter(sqlite) } : feedback,
    reviews: createReviewStore(db),
    tokens: createTokenStore(db, now),
  };
}
