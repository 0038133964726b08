// The API under load: a child process so the load generator does not share its CPU or event loop.
// Prints one JSON line {port, token} on stdout when ready. Rate limits are raised: the bench measures
// throughput, not the limiter.
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.ts';
import { serveApi } from '../../apps/api/src/boundary/http-server.ts';
import { openDb } from '../../apps/api/src/db/connect.ts';
import { createStorage } from '../../apps/api/src/db/storage.ts';
import { localPhotoStore } from '../../apps/api/src/photos/photo-store.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: server.ts DIR');
const opened = await openDb({ kind: 'sqlite', path: join(dir, 'bench.db') });
const storage = createStorage(opened.db, undefined, opened.feedbackWriter);
const { token } = await storage.tokens.issue('device', 'bench');
const unlimited = { burst: 1e9, perSecond: 1e9 };
const app = createApp({
  storage,
  photos: localPhotoStore(join(dir, 'photos')),
  llm: null,
  bundle: null,
  config: { rateLimits: { device: unlimited, agronomist: unlimited, maintainer: unlimited } },
});
serveApi({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  console.log(JSON.stringify({ port: info.port, token }));
});
process.on('SIGTERM', () => {
  void opened.close().then(() => process.exit(0));
});
