// Test helpers: build the app once per test file and serve dist/ over loopback like any static host.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { build } from 'vite';

export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(WEB_ROOT, '../..');
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.onnx': 'application/octet-stream',
  '.md': 'text/markdown',
};

/** Builds apps/web into `outDir` (default apps/web/dist) with the given VITE_* env. */
export async function buildApp(outDir = join(WEB_ROOT, 'dist'), env: Record<string, string> = {}): Promise<string> {
  // Vitest sets NODE_ENV=test, which would make Vite build a development app (no service worker).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  Object.assign(process.env, env); // Vite reads VITE_* from process.env
  try {
    await build({ configFile: join(WEB_ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}

export interface StaticServer {
  url: string;
  /** Serve another build from now on (a new app version "deployed"). */
  setRoot(dir: string): void;
  close(): Promise<void>;
}

export async function serveStatic(dir: string, port = 0): Promise<StaticServer> {
  let root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    // Like a real host: text is gzipped, and the service worker script is never served stale.
    const gzip = /gzip/.test(String(req.headers['accept-encoding'])) && /text|json|javascript|svg|wasm/.test(type);
    res.writeHead(200, {
      'content-type': type,
      'cache-control': file.endsWith('sw.js') ? 'no-cache' : 'max-age=0',
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
    });
    const body = createReadStream(file);
    if (gzip) body.pipe(createGzip()).pipe(res);
    else body.pipe(res);
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}/`,
    setRoot(next) {
      root = resolve(next);
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
