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

/** One CSV line into fields; "quoted, fields" as Python's csv module writes them (labels like "Pepper,_bell___..."). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** A CSV file with a header row, as objects. */
export function readCsv(file: URL | string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = csvFields(head ?? '');
  return lines.map((l) => Object.fromEntries(csvFields(l).map((v, i) => [cols[i], v])));
}

/** The first image of ../shared/data/manifest.csv under a prefix, relative to SHARED_DATA. */
export function sharedImage(prefix: string): string {
  const row = readCsv(new URL('manifest.csv', SHARED_DATA)).find((r) => r.relative_path?.startsWith(prefix));
  if (!row?.relative_path) throw new Error(`no image under ${prefix} in ../shared/data`);
  return row.relative_path;
}
