// Build of the PWA: app shell + onnxruntime wasm precached by Workbox (injectManifest, src/sw.ts),
// the model bundle copied to /bundles/default/ and cached by the service worker in its own versioned cache.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** bundles/default once the trainer wrote it; before that the signed fixture, so the app still runs. */
function bundleDir(): string {
  const explicit = process.env.LEAFCHECK_BUNDLE_DIR;
  if (explicit) return resolve(explicit);
  const trained = join(repo, 'bundles/default');
  if (existsSync(join(trained, 'manifest.json'))) return trained;
  return join(repo, 'packages/bundle/fixtures/signed-by-python');
}

function bundleFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => statSync(join(dir, name)).isFile() && !name.startsWith('.'));
}

/** Serves the bundle at /bundles/default/ in dev and preview, and copies it into the build. */
function modelBundle(dir: string): Plugin {
  const serve = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    const match = /^\/bundles\/default\/([^/?#]+)/.exec(req.url ?? '');
    const name = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    if (!name || !bundleFiles(dir).includes(name)) return next();
    const type = name.endsWith('.json') ? 'application/json' : name.endsWith('.md') ? 'text/markdown' : 'application/octet-stream';
    res.setHeader('content-type', type);
    res.end(readFileSync(join(dir, name)));
  };
  return {
    name: 'leafcheck-model-bundle',
    configureServer(server) {
      server.middlewares.use(serve);
    },
    generateBundle() {
      for (const name of bundleFiles(dir)) {
        this.emitFile({ type: 'asset', fileName: `bundles/default/${name}`, source: readFileSync(join(dir, name)) });
      }
    },
  };
}

/**
 * Public keys the app trusts besides packages/bundle/trusted-keys.json. Only for a bundle signed on this
 * machine (LEAFCHECK_TRUSTED_KEYS_FILE) or the fixture fallback, whose public key sits beside it.
 */
function extraTrustedKeys(dir: string): { keyId: string; publicKeyHex: string }[] {
  const file = process.env.LEAFCHECK_TRUSTED_KEYS_FILE ?? (existsSync(`${dir}.key.json`) ? `${dir}.key.json` : undefined);
  if (!file) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as
    | { keyId: string; publicKeyHex: string }
    | { keyId: string; publicKeyHex: string }[];
  return (Array.isArray(parsed) ? parsed : [parsed]).map(({ keyId, publicKeyHex }) => ({ keyId, publicKeyHex }));
}

/**
 * vite-plugin-pwa 2.0 builds src/sw.ts as one file with `output.inlineDynamicImports`, which Vite 8 (rolldown)
 * deprecates with a warning on every build; this says the same thing the documented way, `codeSplitting: false`.
 */
function serviceWorkerAsOneFile(): Plugin {
  return {
    name: 'leafcheck-sw-one-file',
    outputOptions(options) {
      if (options.inlineDynamicImports === undefined) return null;
      const { inlineDynamicImports, ...rest } = options;
      return { ...rest, codeSplitting: !inlineDynamicImports };
    },
  };
}

const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const dir = bundleDir();
const manifestBytes = readFileSync(join(dir, 'manifest.json'));
// Version plus a hash of the signed manifest: a re-trained bundle that kept its version string still
// gets a new cache (and a new service worker), never a mix of old and new files.
const bundleVersion = `${JSON.parse(manifestBytes.toString('utf8')).bundleVersion}-${createHash('sha256').update(manifestBytes).digest('hex').slice(0, 8)}`;

export default defineConfig({
  root: here,
  envDir: here,
  define: { __BUNDLE_VERSION__: JSON.stringify(bundleVersion), __EXTRA_TRUSTED_KEYS__: JSON.stringify(extraTrustedKeys(dir)) },
  resolve: { alias: [{ find: /^@leafcheck\/inference-worker(?=\?|$)/, replacement: join(repo, 'workers/inference/src/worker.ts') }] },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0 },
  // Cross-origin isolation from the first load where the server can send headers (see src/sw.ts).
  server: { port: 5173, headers: ISOLATION_HEADERS },
  preview: { port: 4173, headers: ISOLATION_HEADERS },
  plugins: [
    modelBundle(dir),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: {
        name: 'Leafcheck',
        short_name: 'Leafcheck',
        description: 'Check a sick crop leaf with your phone camera and get advice, even without a network.',
        start_url: '.',
        scope: '.',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#ffffff',
        theme_color: '#063d13',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        buildPlugins: { vite: [serviceWorkerAsOneFile()] },
        globPatterns: ['**/*.{js,mjs,css,html,svg,png,wasm,webmanifest}'],
        // The WebGPU (asyncify) runtime is fetched only on devices with a GPU adapter: the service worker
        // caches it on first use instead of making every cheap phone download another 26 MB.
        globIgnores: ['bundles/**', '**/*asyncify*'],
        // The wasm runtime is ~14 MB; it must be precached for offline use.
        maximumFileSizeToCacheInBytes: 40 * 1024 * 1024,
      },
    }),
  ],
});
