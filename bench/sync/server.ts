// The API under load: a child process so the load generator does not share its CPU or event loop.
// Prints one JSON line {port, token, tokens} on stdout when ready (`server.ts DIR [TOKENS]`; with
// BENCH_DATABASE_URL=postgres://… the API runs on that PostgreSQL database instead of DIR/bench.db). Rate limits are
// raised: the bench measures throughput, not the limiter; the load-shedding bounds stay at their defaults.
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.ts';
import { serveApi } from '../../apps/api/src/boundary/http-server.ts';
import { DEFAULT_LOAD_LIMITS } from '../../apps/api/src/boundary/load-shedding.ts';
import { openDb } from '../../apps/api/src/db/connect.ts';
import { createStorage } from '../../apps/api/src/db/storage.ts';
import { localPhotoStore } from '../../apps/api/src/photos/photo-store.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: server.ts DIR');
const pgUrl = process.env.BENCH_DATABASE_URL;
const opened = await openDb(pgUrl ? { kind: 'postgres', url: pgUrl } : { kind: 'sqlite', path: join(dir, 'bench.db') });
const storage = createStorage(opened.db, undefined, opened.feedbackWriter);
// One device token per simulated phone (overload mode); the first is the throughput run's.
const tokens: string[] = [];
for (let i = 0; i < Number(process.argv[3] ?? 1); i++) tokens.push((await storage.tokens.issue('device', `bench ${i}`)).token);
const unlimited = { burst: 1e9, perSecond: 1e9 };
const app = createApp({
  storage,
  photos: localPhotoStore(join(dir, 'photos')),
  llm: null,
  bundle: null,
  config: {
    rateLimits: { device: unlimited, agronomist: unlimited, maintainer: unlimited },
    // `server.ts DIR TOKENS MAX_IN_FLIGHT`: try another process bound (run.ts --max-in-flight).
    // The per-token bound is a limiter too (the throughput run sends from one token over 8 connections).
    load: {
      ...DEFAULT_LOAD_LIMITS,
      maxInFlightPerToken: { device: 1e9, agronomist: 1e9, maintainer: 1e9 },
      maxInFlight: Number(process.argv[4] ?? DEFAULT_LOAD_LIMITS.maxInFlight),
    },
  },
});
serveApi({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  console.log(JSON.stringify({ port: info.port, token: tokens[0], tokens }));
});
process.on('SIGTERM', () => {
  void opened.close().then(() => process.exit(0));
});
