// The agronomist's queue, decisions, cached label suggestions and the labelled export.
import { type Kysely, sql } from 'kysely';
import { type Database, FEEDBACK_COLUMNS, type FeedbackTable, type ReviewTable, type SuggestionTable } from './schema.ts';

export interface ReviewItemRow {
  feedback: FeedbackTable;
  review: Pick<ReviewTable, 'decision' | 'label' | 'reviewed_at'> | null;
  suggestion: SuggestionTable | null;
}

export interface ReviewStore {
  /** Unreviewed items with a photo: farmer said wrong first, then low confidence / not sure, skipped ones last. */
  queue(options: { limit: number; offset: number; lowConfidence: number }): Promise<ReviewItemRow[]>;
  get(id: string): Promise<ReviewItemRow | null>;
  decide(row: ReviewTable): Promise<void>;
  saveSuggestion(row: SuggestionTable): Promise<void>;
  /** Puts these records at the front of the queue (until decided); unknown ids are ignored. */
  prioritise(ids: string[], reason: string, at: string): Promise<number>;
  /** The newest records with a photo and no label or unusable decision: what the agreement check runs on. */
  recentUnlabelled(limit: number): Promise<string[]>;
  /** Every feedback with an agronomist label and a photo. */
  labelled(): Promise<Array<{ feedback: FeedbackTable; label: string; reviewedAt: string; reviewer: string }>>;
}

function baseQuery(db: Kysely<Database>) {
  return db
    .selectFrom('feedback as f')
    .leftJoin('review as r', 'r.feedback_id', 'f.id')
    .leftJoin('suggestion as s', 's.feedback_id', 'f.id')
    .select(FEEDBACK_COLUMNS.map((c) => `f.${c}` as const))
    .select([
      'r.decision as r_decision',
      'r.label as r_label',
      'r.reviewed_at as r_reviewed_at',
      'r.reviewer_token_id as r_reviewer',
      's.status as s_status',
      's.model as s_model',
      's.suggestion_json as s_json',
      's.error as s_error',
      's.created_at as s_created_at',
    ]);
}

type JoinedRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

function split(row: JoinedRow): ReviewItemRow {
  const feedback = Object.fromEntries(FEEDBACK_COLUMNS.map((c) => [c, row[c]])) as unknown as FeedbackTable;
  feedback.predicted_probability = Number(feedback.predicted_probability);
  feedback.has_photo = Number(feedback.has_photo);
  return {
    feedback,
    review: row.r_decision ? { decision: row.r_decision, label: row.r_label, reviewed_at: row.r_reviewed_at ?? '' } : null,
    suggestion: row.s_status
      ? {
          feedback_id: row.id,
          status: row.s_status,
          model: row.s_model,
          suggestion_json: row.s_json,
          error: row.s_error,
          created_at: row.s_created_at ?? '',
        }
      : null,
  };
}

export function createReviewStore(db: Kysely<Database>): ReviewStore {
  return {
    async queue({ limit, offset, lowConfidence }) {
      const rows = await baseQuery(db)
        .leftJoin('review_priority as rp', 'rp.feedback_id', 'f.id')
        .where('f.has_photo', '=', 1)
        .where((eb) => eb.or([eb('r.decision', 'is', null), eb('r.decision', '=', 'skip')]))
        .orderBy(sql`case when rp.feedback_id is not null then 0 else 1 end`)
        .orderBy(sql`case when r.decision = 'skip' then 1 else 0 end`)
        .orderBy(
          sql`case when f.verdict = 'wrong' then 0 when f.verdict = 'not-sure' or f.prediction_kind = 'not-sure' or f.predicted_probability < ${lowConfidence} then 1 else 2 end`,
        )
        .orderBy('f.predicted_probability')
        .orderBy('f.received_at')
        .orderBy('f.id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(split);
    },
    async get(id) {
      const row = await baseQuery(db).where('f.id', '=', id).executeTakeFirst();
      return row ? split(row) : null;
    },
    async decide(row) {
      await db
        .insertInto('review')
        .values(row)
        .onConflict((oc) =>
          oc.column('feedback_id').doUpdateSet({
            decision: row.decision,
            label: row.label,
            reviewer_token_id: row.reviewer_token_id,
            reviewed_at: row.reviewed_at,
          }),
        )
        .execute();
    },
    async saveSuggestion(row) {
      await db
        .insertInto('suggestion')
        .values(row)
        .onConflict((oc) =>
          oc.column('feedback_id').doUpdateSet({
            status: row.status,
            model: row.model,
            suggestion_json: row.suggestion_json,
            error: row.error,
            created_at: row.created_at,
          }),
        )
        .execute();
    },
    async prioritise(ids, reason, at) {
      let added = 0;
      for (let i = 0; i < ids.length; i += 200) {
        const known = await db
          .selectFrom('feedback')
          .select('id')
          .where('id', 'in', ids.slice(i, i + 200))
          .execute();
        if (known.length === 0) continue;
        const result = await db
          .insertInto('review_priority')
          .values(known.map((k) => ({ feedback_id: k.id, reason, created_at: at })))
          .onConflict((oc) => oc.column('feedback_id').doNothing())
          .executeTakeFirst();
        added += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return added;
    },
    async recentUnlabelled(limit) {
      const rows = await db
        .selectFrom('feedback as f')
        .leftJoin('review as r', 'r.feedback_id', 'f.id')
        .select('f.id')
        .where('f.has_photo', '=', 1)
        .where((eb) => eb.or([eb('r.decision', 'is', null), eb('r.decision', '=', 'skip')]))
        .orderBy('f.received_at', 'desc')
        .orderBy('f.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    async labelled() {
      const rows = await baseQuery(db).where('r.decision', '=', 'label').where('f.has_photo', '=', 1).orderBy('f.id').execute();
      return rows.map((row) => {
        const item = split(row);
        const reviewer = row.r_reviewer ?? '';
        return { feedback: item.feedback, label: item.review?.label ?? '', reviewedAt: item.review?.reviewed_at ?? '', reviewer };
      });
    },
  };
}
