/// <reference lib="webworker" />
// Service worker: precached app shell + onnxruntime wasm (Workbox), the model bundle in its own
// versioned cache (the models are far over Workbox's precache size), and Background Sync of the outbox.
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { BACKGROUND_SYNC_TAG, drainOutbox } from './features/sync/shared/drain.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

const BUNDLE_PREFIX = 'leafcheck-bundle-';
const BUNDLE_CACHE = `${BUNDLE_PREFIX}${__BUNDLE_VERSION__}`;
const BUNDLE_PATH = new URL('bundles/default/', self.registration.scope).pathname;

/**
 * Cross-origin isolation (COOP + COEP) lets onnxruntime run on several threads. Static hosts rarely
 * send these headers, so the worker adds them to what it serves from the precache: from the second
 * load on, the page and its workers are isolated whatever the host does.
 */
function isolated(response: Response): Response {
  if (response.type === 'opaque' || response.headers.get('cross-origin-embedder-policy')) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

addPlugins([{ handlerWillRespond: async ({ response }) => isolated(response) }]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
const shell = createHandlerBoundToURL('index.html');
registerRoute(new NavigationRoute(async (options) => isolated(await shell(options))));

/** Every file the bundle manifest names, plus the manifest itself. */
async function bundleUrls(): Promise<string[]> {
  const response = await fetch(`${BUNDLE_PATH}manifest.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`bundle manifest: HTTP ${response.status}`);
  const manifest = (await response.json()) as { models: Record<string, { file: string }>; files?: Record<string, unknown> };
  // A shared graph is named by both models: fetch it once.
  const names = new Set([...Object.values(manifest.models).map((m) => m.file), ...Object.keys(manifest.files ?? {})]);
  return ['manifest.json', ...names].map((name) => `${BUNDLE_PATH}${name}`);
}

async function cacheBundle(): Promise<void> {
  const cache = await caches.open(BUNDLE_CACHE);
  const urls = await bundleUrls();
  const missing = (await Promise.all(urls.map(async (url) => ((await cache.match(url)) ? null : url)))).filter((u) => u !== null);
  // cache: 'reload' skips the HTTP cache so a new version never mixes with an old file.
  await Promise.all(
    missing.map(async (url) => {
      const response = await fetch(url, { cache: 'reload' });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      await cache.put(url, response);
    }),
  );
}

self.addEventListener('install', (event) => {
  // The bundle is part of "works offline after the first visit": install fails (and retries) without it.
  event.waitUntil(cacheBundle());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(BUNDLE_PREFIX) && n !== BUNDLE_CACHE).map((n) => caches.delete(n)));
      // Control the first page too, so its model fetches and Background Sync go through this worker.
      await self.clients.claim();
    })(),
  );
});

registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(BUNDLE_PATH),
  async ({ request }) => {
    const cache = await caches.open(BUNDLE_CACHE);
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  },
);

// Runtime files left out of the precache (the WebGPU build): cached the first time a device uses them.
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.includes('asyncify'),
  async ({ request }) => {
    const cache = await caches.open('leafcheck-runtime-extra');
    const hit = await cache.match(request);
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  },
);

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

interface SyncEvent extends ExtendableEvent {
  tag: string;
}

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag !== BACKGROUND_SYNC_TAG) return;
  e.waitUntil(
    drainOutbox({ maxAttempts: 2 }).then((report) => {
      // Rejecting makes the browser retry the sync later with its own backoff.
      if (report.outcome === 'gave-up') throw new Error(report.lastError ?? 'sync gave up');
    }),
  );
});
