// Feedback rows: idempotent batch insert, stats and the inputs of the retrain decision.
import type { FeedbackRecord } from '@leafcheck/sync';
import type { Kysely } from 'kysely';
import type { Database, FeedbackTable } from './schema.ts';

export interface VerdictCounts {
  right: number;
  wrong: number;
  notSure: number;
  total: number;
}
export interface StatsRow extends VerdictCounts {
  bundleVersion: string;
  label: string;
}

export interface FeedbackStore {
  /** Ids among `ids` already stored. */
  existing(ids: string[]): Promise<Set<string>>;
  /** Inserts what is new; returns the ids this call inserted (a duplicate id is silently skipped). */
  insert(records: FeedbackRecord[], tokenId: string, receivedAt: string): Promise<Set<string>>;
  /** Verdict counts grouped by bundle version and predicted label. */
  stats(): Promise<StatsRow[]>;
  /** Agronomist labels given after `sinceIso`, and the distinct labels among them. */
  reviewedSince(sinceIso: string): Promise<{ count: number; labels: string[] }>;
}

/** The protocol promises coarse locations (0.1 degree, ~11 km); the server rounds again so a client bug cannot store more. */
const coarse = (degrees: number | undefined) => (degrees === undefined ? null : Math.round(degrees * 10) / 10);

export function toRow(record: FeedbackRecord, tokenId: string, receivedAt: string): FeedbackTable {
  const top = record.prediction.topK[0];
  return {
    id: record.id,
    device_id: record.deviceId,
    app_version: record.appVersion,
    bundle_version: record.bundleVersion,
    prediction_kind: record.prediction.kind,
    predicted_crop: record.prediction.crop ?? null,
    predicted_label: top?.label ?? '',
    predicted_probability: top?.probability ?? 0,
    top_k_json: JSON.stringify(record.prediction.topK),
    verdict: record.verdict.kind,
    corrected_label: record.verdict.kind === 'wrong' ? record.verdict.correctedLabel : null,
    note: record.note ?? null,
    has_photo: record.photoJpegBase64 ? 1 : 0,
    lat: coarse(record.location?.lat),
    lon: coarse(record.location?.lon),
    diagnosed_at: record.diagnosedAt,
    created_at: record.createdAt,
    received_at: receivedAt,
    token_id: tokenId,
  };
}

export function createFeedbackStore(db: Kysely<Database>): FeedbackStore {
  return {
    async existing(ids) {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('feedback').select('id').where('id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },
    async insert(records, tokenId, receivedAt) {
      if (records.length === 0) return new Set();
      // One statement: atomic, and ON CONFLICT DO NOTHING makes replays and races harmless.
      const rows = await db
        .insertInto('feedback')
        .values(records.map((r) => toRow(r, tokenId, receivedAt)))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .execute();
      return new Set(rows.map((r) => r.id));
    },
    async stats() {
      const rows = await db
        .selectFrom('feedback')
        .select(['bundle_version', 'predicted_label', 'verdict'])
        .select((eb) => eb.fn.countAll().as('n'))
        .groupBy(['bundle_version', 'predicted_label', 'verdict'])
        .execute();
      const byKey = new Map<string, StatsRow>();
      for (const row of rows) {
        const key = `${row.bundle_version}\u0000${row.predicted_label}`;
        let entry = byKey.get(key);
        if (!entry) {
          entry = { bundleVersion: row.bundle_version, label: row.predicted_label, right: 0, wrong: 0, notSure: 0, total: 0 };
          byKey.set(key, entry);
        }
        const n = Number(row.n);
        if (row.verdict === 'right') entry.right += n;
        else if (row.verdict === 'wrong') entry.wrong += n;
        else entry.notSure += n;
        entry.total += n;
      }
      return [...byKey.values()].sort((a, b) => a.bundleVersion.localeCompare(b.bundleVersion) || a.label.localeCompare(b.label));
    },
    async reviewedSince(sinceIso) {
      const rows = await db
        .selectFrom('review')
        .select('label')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('decision', '=', 'label')
        .where('reviewed_at', '>', sinceIso)
        .groupBy('label')
        .execute();
      return {
        count: rows.reduce((sum, r) => sum + Number(r.n), 0),
        labels: rows.map((r) => r.label).filter((l): l is string => l !== null),
      };
    },
  };
}
