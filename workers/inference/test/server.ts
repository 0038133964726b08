// A Vite dev server over the repo root for browser tests and the benchmark, with or without COOP/COEP.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const PAGE = '/workers/inference/test/page.html';

/** `allow`: extra directories the page may fetch through /@fs/ (a bundle outside the repo). */
export async function startServer(isolated: boolean, allow: string[] = []): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    root: REPO_ROOT,
    configFile: false,
    logLevel: 'error',
    // onnxruntime-web finds its .mjs/.wasm by URL: pre-bundling it would move it away from them.
    optimizeDeps: { exclude: ['onnxruntime-web'], include: [], noDiscovery: true },
    server: {
      port: 0,
      host: '127.0.0.1',
      fs: { allow: [REPO_ROOT, ...allow] },
      headers: isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {},
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}` };
}

/** ../shared/data next to the repo (read-only; images are read, never copied into the repo). */
export const SHARED_DATA = new URL('../../../../shared/data/', import.meta.url);

/** The first image of ../shared/data/manifest.csv under a prefix, relative to SHARED_DATA. */
export function sharedImage(prefix: string): string {
  const line = readFileSync(new URL('manifest.csv', SHARED_DATA), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no image under ${prefix} in ../shared/data`);
  return line.split(',')[0] as string;
}
