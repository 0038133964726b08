// startTestServer(): a real API on 127.0.0.1 with a random port, a temp SQLite DB, a temp photo
// dir and freshly issued tokens, for browser tests (apps/web) and the API's own HTTP tests.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from './app.ts';
import { serveApi } from './boundary/http-server.ts';
import type { AppConfig, BundleInfo } from './context.ts';
import { type DbTarget, openDb } from './db/connect.ts';
import { createStorage } from './db/storage.ts';
import type { LabelSuggester } from './llm/suggester.ts';
import { localPhotoStore } from './photos/photo-store.ts';
import type { Channels } from './registry/channels.ts';
import type { BundleRegistry } from './registry/registry.ts';

// Tests that review or retrain need the served bundle's taxonomy, as the real server has it.
export { bundleInfoOf } from './bundle-info.ts';

export interface TestServer {
  url: string;
  port: number;
  tokens: { device: string; agronomist: string; maintainer: string };
  dir: string;
  /** Stops the server (keeps the DB, so a restart with `restartOn: server.dir` sees the same data). */
  stop(): Promise<void>;
  /** Stops and deletes the temp directory. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  port?: number;
  /** Reuse a previous server's directory (DB + photos), e.g. to restart after a kill. */
  dir?: string;
  tokens?: TestServer['tokens'];
  db?: DbTarget;
  llm?: LabelSuggester | null;
  bundle?: BundleInfo | null;
  registry?: BundleRegistry | null;
  /** Release channels (e.g. `channels({ store: memoryChannelStore(), registry, signingKeyHex })`). */
  channels?: Channels | null;
  config?: Partial<AppConfig>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'leafcheck-api-')));
  const opened = await openDb(options.db ?? { kind: 'sqlite', path: join(dir, 'leafcheck.db') });
  const storage = createStorage(opened.db, undefined, opened.feedbackWriter);
  const tokens = options.tokens ?? {
    device: (await storage.tokens.issue('device', 'test device')).token,
    agronomist: (await storage.tokens.issue('agronomist', 'test agronomist')).token,
    maintainer: (await storage.tokens.issue('maintainer', 'test maintainer')).token,
  };
  const app = createApp({
    storage,
    photos: localPhotoStore(join(dir, 'photos')),
    llm: options.llm ?? null,
    bundle: options.bundle ?? null,
    registry: options.registry ?? null,
    channels: options.channels ?? null,
    config: { corsOrigins: ['*'], ...options.config },
  });
  const server = serveApi({ fetch: app.fetch, hostname: '127.0.0.1', port: options.port ?? 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    await opened.close();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tokens,
    dir,
    stop,
    async close() {
      await stop();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
