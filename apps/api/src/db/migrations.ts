// The one set of migrations, run on SQLite and PostgreSQL alike (portable types only).
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

const migrations: Record<string, Migration> = {
  '0001_init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('feedback')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('app_version', 'text', (c) => c.notNull())
        .addColumn('bundle_version', 'text', (c) => c.notNull())
        .addColumn('prediction_kind', 'text', (c) => c.notNull())
        .addColumn('predicted_crop', 'text')
        .addColumn('predicted_label', 'text', (c) => c.notNull())
        .addColumn('predicted_probability', 'double precision', (c) => c.notNull())
        .addColumn('top_k_json', 'text', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('corrected_label', 'text')
        .addColumn('note', 'text')
        .addColumn('has_photo', 'integer', (c) => c.notNull())
        .addColumn('lat', 'double precision')
        .addColumn('lon', 'double precision')
        .addColumn('diagnosed_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('feedback_bundle_label').on('feedback').columns(['bundle_version', 'predicted_label']).execute();
      await db.schema.createIndex('feedback_received').on('feedback').column('received_at').execute();
      await db.schema
        .createTable('review')
        .addColumn('feedback_id', 'text', (c) => c.primaryKey().references('feedback.id'))
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('reviewer_token_id', 'text', (c) => c.notNull())
        .addColumn('reviewed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('suggestion')
        .addColumn('feedback_id', 'text', (c) => c.primaryKey().references('feedback.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('suggestion_json', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_token')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['suggestion', 'review', 'feedback', 'api_token'])
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
    },
  },
  // Write cost: every index is paid on each feedback insert (the sync hot path). received_at was
  // never queried; stats group by (bundle, label, verdict), so that index now covers them.
  '0002_feedback_indexes': {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('feedback_received').execute();
      await db.schema.dropIndex('feedback_bundle_label').execute();
      await db.schema.createIndex('feedback_stats').on('feedback').columns(['bundle_version', 'predicted_label', 'verdict']).execute();
      await db.schema.createIndex('review_decision').on('review').columns(['decision', 'reviewed_at']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('review_decision').execute();
      await db.schema.dropIndex('feedback_stats').execute();
      await db.schema.createIndex('feedback_bundle_label').on('feedback').columns(['bundle_version', 'predicted_label']).execute();
      await db.schema.createIndex('feedback_received').on('feedback').column('received_at').execute();
    },
  },
  // Retrain runs started from the API. `active` is 'active' while a run trains and NULL afterwards: the unique
  // constraint (NULLs are distinct on SQLite and PostgreSQL) makes "one run at a time" hold under concurrent starts.
  '0003_retrain_runs': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('retrain_run')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('backend', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('active', 'text', (c) => c.unique())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('dir', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('started_by', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('published_at', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('retrain_run').execute();
    },
  },
  // Retrain runs on reviewed feedback: the run kind (head | full), the export snapshot the run trained on (its
  // sha256, records used and skipped by reason), and what the run cost (wall, CPU and GPU seconds, an estimate).
  '0004_retrain_run_feedback_usage': {
    async up(db: Kysely<unknown>) {
      const add = (column: string, type: 'text' | 'integer' | 'double precision') =>
        db.schema.alterTable('retrain_run').addColumn(column, type).execute();
      await add('kind', 'text');
      await add('export_sha256', 'text');
      await add('feedback_records', 'integer');
      await add('feedback_skipped_json', 'text');
      await add('wall_seconds', 'double precision');
      await add('cpu_seconds', 'double precision');
      await add('gpu_seconds', 'double precision');
      await add('cost_usd', 'double precision');
    },
    async down(db: Kysely<unknown>) {
      for (const column of [
        'kind',
        'export_sha256',
        'feedback_records',
        'feedback_skipped_json',
        'wall_seconds',
        'cpu_seconds',
        'gpu_seconds',
        'cost_usd',
      ])
        await db.schema.alterTable('retrain_run').dropColumn(column).execute();
    },
  },
  // Photos a candidate model and the served one disagree on (the agreement check of a retrain run): they go to the
  // front of the review queue until an agronomist decides on them.
  '0005_review_priority': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('review_priority')
        .addColumn('feedback_id', 'text', (c) => c.primaryKey().references('feedback.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('review_priority').execute();
    },
  },
  // Agronomists flag an advice translation from the review screen (issue 13).
  '0006_translation_flags': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('translation_flag')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('flagged_by', 'text', (c) => c.notNull())
        .addColumn('flagged_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('translation_flag').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** `schema`: a PostgreSQL schema of its own (tests); Kysely's bookkeeping tables then live there too. */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<void> {
  // Without migrationTableSchema, Kysely finds a kysely_migration table in any schema (e.g. public)
  // and would skip creating this schema's own.
  const { error, results } = await new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
}
