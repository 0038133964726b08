// The API process: `npx tsx apps/api/src/server.ts` (PORT, default 8787). Picks backends from the
// environment (see README), migrates the DB, and in dev makes sure a device token exists for the PWA.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AppDeps, createApp } from './app.ts';
import { serveApi } from './boundary/http-server.ts';
import { DEFAULT_CONFIG } from './context.ts';
import { openDb } from './db/connect.ts';
import { createStorage } from './db/storage.ts';
import type { TokenStore } from './db/token-store.ts';
import { bundleOrNull, channelsFromEnv, REPO_ROOT, readEnv, registryFromEnv, schedulerFromEnv, trainingFromEnv } from './env.ts';
import { localPhotoStore } from './photos/photo-store.ts';
import { retrainDecision } from './training/decision.ts';
import { trainingRunsOf } from './training/runs.ts';
import { retrainScheduler } from './training/scheduler.ts';

const DEV_TOKENS_FILE = process.env.LEAFCHECK_DEV_TOKENS ?? join(REPO_ROOT, '.leafcheck', 'dev-tokens.json');

/** Dev only: one token per role, created on first start and kept in .leafcheck/ (gitignored). */
async function ensureDevTokens(tokens: TokenStore, deviceToken: string | null): Promise<void> {
  if (deviceToken) {
    await tokens.register('device', 'dev device (LEAFCHECK_DEV_DEVICE_TOKEN)', deviceToken);
    console.log('dev device token from LEAFCHECK_DEV_DEVICE_TOKEN is valid');
  }
  if (existsSync(DEV_TOKENS_FILE)) {
    const saved = JSON.parse(readFileSync(DEV_TOKENS_FILE, 'utf8')) as Record<string, string>;
    if (saved.device && (await tokens.verify(saved.device))) {
      console.log(`dev tokens: ${DEV_TOKENS_FILE}`);
      return;
    }
  }
  const created: Record<string, string> = {};
  for (const role of ['device', 'agronomist', 'maintainer'] as const) created[role] = (await tokens.issue(role, `dev ${role}`)).token;
  mkdirSync(dirname(DEV_TOKENS_FILE), { recursive: true });
  writeFileSync(DEV_TOKENS_FILE, `${JSON.stringify(created, null, 2)}\n`);
  chmodSync(DEV_TOKENS_FILE, 0o600);
  console.log(`created dev tokens in ${DEV_TOKENS_FILE}\n  device token for the PWA: ${created.device}`);
}

/** The retrain scheduler, when LEAFCHECK_RETRAIN_SCHEDULE is set (and runs can start); returns its stop function. */
function startSchedulerFromEnv(deps: AppDeps): () => void {
  const schedule = schedulerFromEnv();
  const now = () => new Date();
  const runs = trainingRunsOf(deps, now);
  if (schedule === null || runs === null) return () => {};
  const retrain = { ...DEFAULT_CONFIG.retrain, ...deps.config?.retrain };
  const scheduler = retrainScheduler({
    decide: async () => (deps.bundle ? retrainDecision(deps.storage, deps.bundle, retrain, now()) : null),
    runs,
    store: deps.storage.runs,
    budget: schedule.budget,
    now,
  });
  console.log(`retrain scheduler on: every ${schedule.intervalMs / 60_000} min, budget ${JSON.stringify(schedule.budget)}`);
  return scheduler.start(schedule.intervalMs);
}

async function main() {
  const env = readEnv();
  const opened = await openDb(env.db);
  const storage = createStorage(opened.db, undefined, opened.feedbackWriter);
  if (env.dev) await ensureDevTokens(storage.tokens, env.devDeviceToken);
  const bundle = await bundleOrNull(env.bundleDir);
  const registry = registryFromEnv();
  const deps: AppDeps = {
    storage,
    photos: localPhotoStore(env.photosDir),
    llm: env.llm,
    bundle,
    registry,
    channels: channelsFromEnv(registry),
    training: trainingFromEnv(),
    config: { corsOrigins: env.corsOrigins },
  };
  const app = createApp(deps);
  const stopScheduler = startSchedulerFromEnv(deps);
  const server = serveApi({ fetch: app.fetch, port: env.port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
    const where = env.db.kind === 'sqlite' ? env.db.path : 'PostgreSQL (DATABASE_URL)';
    console.log(
      `leafcheck api on http://${info.address}:${info.port} (db ${where}, bundle ${bundle?.version ?? 'none'}, suggestions ${env.llm ? 'on' : 'off'})`,
    );
  });
  const stop = () => {
    stopScheduler();
    server.close(() => {
      void opened.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
