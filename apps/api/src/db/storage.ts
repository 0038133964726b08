import type { Kysely } from 'kysely';
import type { Storage } from '../context.ts';
import { createFeedbackStore } from './feedback-store.ts';
import { createReviewStore } from './review-store.ts';
import type { Database } from './schema.ts';
import { createTokenStore } from './token-store.ts';

export function createStorage(db: Kysely<Database>, now?: () => Date): Storage {
  return { feedback: createFeedbackStore(db), reviews: createReviewStore(db), tokens: createTokenStore(db, now) };
}
