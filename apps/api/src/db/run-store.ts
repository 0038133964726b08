// Retrain runs: one row per run; at most one is active (running) at a time, enforced by the table.
import type { Kysely } from 'kysely';
import type { Database, RetrainRunTable } from './schema.ts';

export type RunState = RetrainRunTable['state'];
export type RunKind = 'head' | 'full';

/** The reviewed-feedback export the run trained on (snapshotted when it started). */
export interface RunFeedback {
  exportSha256: string;
  records: number;
  skipped: Record<string, number>;
}

/** What the run used; cost is an estimate from the configured prices. */
export interface RunUsage {
  wallSeconds: number;
  cpuSeconds: number | null;
  gpuSeconds: number | null;
  estimatedCostUsd: number;
}

export interface RetrainRun {
  id: string;
  backend: string;
  kind: RunKind;
  externalId: string | null;
  state: RunState;
  version: string;
  /** The run's folder in the API's data directory (config, logs, run_dir, candidate bundle). */
  dir: string;
  error: string | null;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  publishedAt: string | null;
  feedback: RunFeedback | null;
  usage: RunUsage | null;
}

export interface RunStore {
  /** Inserts a running run; false when another run is active. */
  create(run: Omit<RetrainRun, 'state' | 'externalId' | 'error' | 'finishedAt' | 'publishedAt' | 'feedback' | 'usage'>): Promise<boolean>;
  get(id: string): Promise<RetrainRun | null>;
  /** Newest first. */
  list(limit: number): Promise<RetrainRun[]>;
  active(): Promise<RetrainRun | null>;
  /** The export snapshot the run trains on. */
  snapshot(id: string, feedback: RunFeedback): Promise<void>;
  started(id: string, externalId: string): Promise<void>;
  /** Ends a running run (succeeded or failed) and frees the active slot. */
  finish(id: string, state: 'succeeded' | 'failed', at: string, error?: string | null, usage?: RunUsage | null): Promise<void>;
  published(id: string, at: string): Promise<void>;
}

const toRun = (r: RetrainRunTable): RetrainRun => ({
  id: r.id,
  backend: r.backend,
  kind: r.kind === 'head' ? 'head' : 'full',
  externalId: r.external_id,
  state: r.state,
  version: r.version,
  dir: r.dir,
  error: r.error,
  startedBy: r.started_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  publishedAt: r.published_at,
  feedback:
    r.export_sha256 === null
      ? null
      : { exportSha256: r.export_sha256, records: Number(r.feedback_records ?? 0), skipped: JSON.parse(r.feedback_skipped_json ?? '{}') },
  usage:
    r.wall_seconds === null
      ? null
      : {
          wallSeconds: Number(r.wall_seconds),
          cpuSeconds: r.cpu_seconds === null ? null : Number(r.cpu_seconds),
          gpuSeconds: r.gpu_seconds === null ? null : Number(r.gpu_seconds),
          estimatedCostUsd: Number(r.cost_usd ?? 0),
        },
});

export function createRunStore(db: Kysely<Database>): RunStore {
  const one = async (where: 'id' | 'active', value: string) => {
    const row = await db.selectFrom('retrain_run').selectAll().where(where, '=', value).executeTakeFirst();
    return row ? toRun(row) : null;
  };
  return {
    async create(run) {
      const result = await db
        .insertInto('retrain_run')
        .values({
          id: run.id,
          backend: run.backend,
          kind: run.kind,
          external_id: null,
          state: 'running',
          active: 'active',
          version: run.version,
          dir: run.dir,
          error: null,
          started_by: run.startedBy,
          started_at: run.startedAt,
          finished_at: null,
          published_at: null,
          export_sha256: null,
          feedback_records: null,
          feedback_skipped_json: null,
          wall_seconds: null,
          cpu_seconds: null,
          gpu_seconds: null,
          cost_usd: null,
        })
        .onConflict((oc) => oc.column('active').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    get: (id) => one('id', id),
    async list(limit) {
      const rows = await db.selectFrom('retrain_run').selectAll().orderBy('started_at', 'desc').orderBy('id').limit(limit).execute();
      return rows.map(toRun);
    },
    active: () => one('active', 'active'),
    async snapshot(id, feedback) {
      await db
        .updateTable('retrain_run')
        .set({
          export_sha256: feedback.exportSha256,
          feedback_records: feedback.records,
          feedback_skipped_json: JSON.stringify(feedback.skipped),
        })
        .where('id', '=', id)
        .execute();
    },
    async started(id, externalId) {
      await db.updateTable('retrain_run').set({ external_id: externalId }).where('id', '=', id).execute();
    },
    async finish(id, state, at, error = null, usage = null) {
      await db
        .updateTable('retrain_run')
        .set({
          state,
          active: null,
          finished_at: at,
          error,
          ...(usage
            ? {
                wall_seconds: usage.wallSeconds,
                cpu_seconds: usage.cpuSeconds,
                gpu_seconds: usage.gpuSeconds,
                cost_usd: usage.estimatedCostUsd,
              }
            : {}),
        })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .execute();
    },
    async published(id, at) {
      await db.updateTable('retrain_run').set({ state: 'published', published_at: at }).where('id', '=', id).execute();
    },
  };
}
