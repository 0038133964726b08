// The API process: `npx tsx apps/api/src/server.ts` (PORT, default 8787). Picks backends from the
// environment (see README), migrates the DB, and in dev makes sure a device token exists for the PWA.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createApp } from './app.ts';
import { serveApi } from './boundary/http-server.ts';
import { openDb } from './db/connect.ts';
import { createStorage } from './db/storage.ts';
import type { TokenStore } from './db/token-store.ts';
import { bundleOrNull, channelsFromEnv, REPO_ROOT, readEnv, registryFromEnv, trainingFromEnv } from './env.ts';
import { localPhotoStore } from './photos/photo-store.ts';

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

async function main() {
  const env = readEnv();
  const opened = await openDb(env.db);
  const storage = createStorage(opened.db, undefined, opened.feedbackWriter);
  if (env.dev) await ensureDevTokens(storage.tokens, env.devDeviceToken);
  const bundle = await bundleOrNull(env.bundleDir);
  const registry = registryFromEnv();
  const app = createApp({
    storage,
    photos: localPhotoStore(env.photosDir),
    llm: env.llm,
    bundle,
    registry,
    channels: channelsFromEnv(registry),
    training: trainingFromEnv(),
    config: { corsOrigins: env.corsOrigins },
  });
  const server = serveApi({ fetch: app.fetch, port: env.port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
    const where = env.db.kind === 'sqlite' ? env.db.path : 'PostgreSQL (DATABASE_URL)';
    console.log(
      `leafcheck api on http://${info.address}:${info.port} (db ${where}, bundle ${bundle?.version ?? 'none'}, suggestions ${env.llm ? 'on' : 'off'})`,
    );
  });
  const stop = () => {
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
