import type { Kysely } from 'kysely';
import type { Storage } from '../context.ts';
import { createFeedbackStore } from './feedback-store.ts';
import { createReviewStore } from './review-store.ts';
import { createRunStore } from './run-store.ts';
import type { Database } from './schema.ts';
import type { FeedbackWriter } from './sqlite-writer.ts';
import { createTokenStore } from './token-store.ts';
import { createTranslationStore } from './translation-store.ts';

/** `feedbackWriter`: OpenDb's (SQLite); feedback writes then use it instead of Kysely. */
export function createStorage(db: Kysely<Database>, now?: () => Date, feedbackWriter: FeedbackWriter | null = null): Storage {
  const feedback = createFeedbackStore(db);
  return {
    feedback: feedbackWriter ? { ...feedback, existing: feedbackWriter.existing, insert: feedbackWriter.insert } : feedback,
    reviews: createReviewStore(db),
    tokens: createTokenStore(db, now),
    runs: createRunStore(db),
    translations: createTranslationStore(db),
  };
}
