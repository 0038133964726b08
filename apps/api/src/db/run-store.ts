// Retrain runs: one row per run; at most one is active (running) at a time, enforced by the table.
import type { Kysely } from 'kysely';
import type { Database, RetrainRunTable } from './schema.ts';

export type RunState = RetrainRunTable['state'];

export interface RetrainRun {
  id: string;
  backend: string;
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
}

export interface RunStore {
  /** Inserts a running run; false when another run is active. */
  create(run: Omit<RetrainRun, 'state' | 'externalId' | 'error' | 'finishedAt' | 'publishedAt'>): Promise<boolean>;
  get(id: string): Promise<RetrainRun | null>;
  active(): Promise<RetrainRun | null>;
  started(id: string, externalId: string): Promise<void>;
  /** Ends a running run (succeeded or failed) and frees the active slot. */
  finish(id: string, state: 'succeeded' | 'failed', at: string, error?: string | null): Promise<void>;
  published(id: string, at: string): Promise<void>;
}

const toRun = (r: RetrainRunTable): RetrainRun => ({
  id: r.id,
  backend: r.backend,
  externalId: r.external_id,
  state: r.state,
  version: r.version,
  dir: r.dir,
  error: r.error,
  startedBy: r.started_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  publishedAt: r.published_at,
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
        })
        .onConflict((oc) => oc.column('active').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    get: (id) => one('id', id),
    active: () => one('active', 'active'),
    async started(id, externalId) {
      await db.updateTable('retrain_run').set({ external_id: externalId }).where('id', '=', id).execute();
    },
    async finish(id, state, at, error = null) {
      await db
        .updateTable('retrain_run')
        .set({ state, active: null, finished_at: at, error })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .execute();
    },
    async published(id, at) {
      await db.updateTable('retrain_run').set({ state: 'published', published_at: at }).where('id', '=', id).execute();
    },
  };
}
