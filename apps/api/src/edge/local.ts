// The edge adapter on the local Workers runtime: src/edge/worker.ts bundled by esbuild for workerd and run by
// miniflare (workerd from the npm package @cloudflare/workerd-linux-64) with a local D1 database and R2 bucket.
//   npx tsx apps/api/src/edge/local.ts [PORT]    (prints the URL and bootstrap tokens; D1/R2 kept in .leafcheck/edge)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export interface EdgeServer {
  url: string;
  tokens: { device: string; agronomist: string; maintainer: string };
  mf: Miniflare;
  close(): Promise<void>;
}

/** The worker as one ES module for workerd: browser/worker conditions, node: builtins left to nodejs_compat. */
export async function bundleWorker(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(import.meta.dirname, 'worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    external: ['node:*'],
    outfile,
    logLevel: 'error',
  });
}

export async function startEdgeServer(options: { port?: number; persistDir?: string } = {}): Promise<EdgeServer> {
  const dir = mkdtempSync(join(tmpdir(), 'leafcheck-edge-'));
  const script = join(dir, 'worker.js');
  const persist = options.persistDir ?? join(dir, 'storage');
  await bundleWorker(script);
  const token = () => randomBytes(24).toString('base64url');
  const tokens = { device: token(), agronomist: token(), maintainer: token() };
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: dir,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    d1Databases: ['DB'],
    r2Buckets: ['PHOTOS'],
    // Storage in a folder of ours, removed on close: miniflare's own in-memory storage is a temp folder it removes
    // fire-and-forget on dispose, which a test process that exits next leaves behind.
    d1Persist: join(persist, 'd1'),
    r2Persist: join(persist, 'r2'),
    cache: false,
    bindings: { LEAFCHECK_BOOTSTRAP_TOKENS: JSON.stringify(tokens), LEAFCHECK_CORS_ORIGIN: '*' },
    host: '127.0.0.1',
    port: options.port ?? 0,
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return {
    url,
    tokens,
    mf,
    async close() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const edge = await startEdgeServer({ port: Number(process.argv[2] ?? 8788), persistDir: '.leafcheck/edge' });
  console.log(`leafcheck edge api (workerd) on ${edge.url}`);
  console.log(`bootstrap tokens: ${JSON.stringify(edge.tokens)}`);
}
