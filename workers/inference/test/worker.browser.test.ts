// The real worker in Chromium (Vite dev server, onnxruntime-web WASM), on the fixture bundle.
import { existsSync, readFileSync } from 'node:fs';
import { launchChromium } from '@leafcheck/test-browser';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE, SHARED_DATA, sharedImage, startServer } from './server.ts';

const BUNDLE = '/packages/bundle/fixtures/signed-by-python/';
const KEY = JSON.parse(readFileSync(new URL('../../../packages/bundle/fixtures/signed-by-python.key.json', import.meta.url), 'utf8'));
const REAL = readFileSync(new URL(sharedImage('plantvillage/Tomato___Late_blight/'), SHARED_DATA));

let browser: Browser;
const servers: ViteDevServer[] = [];

async function openPage(isolated: boolean): Promise<Page> {
  const { server, url } = await startServer(isolated);
  servers.push(server);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('pageerror', e));
  await page.goto(url + PAGE);
  await page.waitForFunction(() => 'harness' in globalThis, null, { timeout: 60_000 });
  return page;
}

type H = {
  harness: {
    startWorker: () => import('comlink').Remote<import('../src/api.ts').InferenceWorkerApi>;
    fromBase64: (s: string) => ArrayBuffer;
  };
};

/** Starts a worker in the page, loads the fixture bundle, returns what load() said. */
async function loadInPage(page: Page) {
  return page.evaluate(
    async ({ bundle, key }) => {
      const h = (globalThis as unknown as H).harness;
      const api = h.startWorker();
      (globalThis as unknown as { api: typeof api }).api = api;
      return api.load(new URL(bundle, location.href).href, { trustedKeys: [key] });
    },
    { bundle: BUNDLE, key: KEY },
  );
}

async function diagnoseInPage(page: Page, photos: string[], options: { crop?: string; requestKey?: string } = {}) {
  return page.evaluate(
    async ({ photos, options }) => {
      const g = globalThis as unknown as H & { api: ReturnType<H['harness']['startWorker']> };
      try {
        return { ok: true as const, result: await g.api.diagnose(photos.map(g.harness.fromBase64), options) };
      } catch (e) {
        return { ok: false as const, name: (e as Error).name, message: (e as Error).message };
      }
    },
    { photos, options },
  );
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
});

describe('inference worker', () => {
  let page: Page;
  it('without cross-origin isolation: loads on 1 thread (does not hang) and says why; no WebGPU under --disable-gpu', async () => {
    page = await openPage(false);
    const loaded = await loadInPage(page);
    expect(loaded.bundleVersion).toBe('0.0.1-fixture');
    expect(loaded.crops).toEqual(['Bean', 'Tomato']);
    expect(loaded.backend.name).toBe('wasm');
    expect(loaded.backend.threads).toBe(1);
    expect(loaded.backend.reason).toMatch(/not cross-origin isolated/);
    expect(loaded.backend.reason).toMatch(/WebGPU/);
  });
  it('diagnoses a real photo', async () => {
    const r = await diagnoseInPage(page, [REAL.toString('base64')], { crop: 'Tomato' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.result.bundleVersion).toBe('0.0.1-fixture');
    expect(r.result.crop).toBe('Tomato');
    expect(r.result.alternatives.map((a) => a.label).sort()).toEqual(['Tomato___Late_blight', 'Tomato___healthy']);
    expect(r.result.elapsedMs).toBeGreaterThan(0);
  });
  it('a newer request with the same key cancels the older one', async () => {
    const photo = REAL.toString('base64');
    const [first, second] = await page.evaluate(
      async ({ photo }) => {
        const g = globalThis as unknown as H & { api: ReturnType<H['harness']['startWorker']> };
        const run = (key: string, n: number) =>
          g.api
            .diagnose(
              Array.from({ length: n }, () => g.harness.fromBase64(photo)),
              { requestKey: key },
            )
            .then(
              (r) => ({ ok: true, kind: r.kind }),
              (e: Error) => ({ ok: false, name: e.name }),
            );
        const a = run('camera', 6);
        const b = run('camera', 1);
        return Promise.all([a, b]);
      },
      { photo },
    );
    expect(first).toEqual({ ok: false, name: 'CANCELLED' });
    expect(second.ok).toBe(true);
  });
  it('cancel(key) stops a running request', async () => {
    const photo = REAL.toString('base64');
    const r = await page.evaluate(
      async ({ photo }) => {
        const g = globalThis as unknown as H & { api: ReturnType<H['harness']['startWorker']> };
        const p = g.api
          .diagnose(
            Array.from({ length: 6 }, () => g.harness.fromBase64(photo)),
            { requestKey: 'k' },
          )
          .then(
            () => 'finished',
            (e: Error) => e.name,
          );
        await g.api.cancel('k');
        return p;
      },
      { photo },
    );
    expect(r).toBe('CANCELLED');
  });
  it('diagnoseWithSignal: aborting the signal cancels the request', async () => {
    const r = await page.evaluate(async (photo) => {
      const g = globalThis as unknown as H & {
        api: ReturnType<H['harness']['startWorker']>;
        harness: { diagnoseWithSignal: typeof import('../src/client.ts').diagnoseWithSignal };
      };
      const ac = new AbortController();
      const p = g.harness.diagnoseWithSignal(
        g.api,
        Array.from({ length: 6 }, () => g.harness.fromBase64(photo)),
        { signal: ac.signal },
      );
      ac.abort();
      return p.then(
        () => 'finished',
        (e: Error) => e.name,
      );
    }, REAL.toString('base64'));
    expect(r).toBe('CANCELLED');
  });
  it('several photos of one plant give one answer that counts them', async () => {
    const r = await diagnoseInPage(page, [REAL.toString('base64'), REAL.toString('base64'), REAL.toString('base64')], { crop: 'Tomato' });
    expect(r.ok && r.result.photos).toEqual({ total: 3, agreeing: 3 });
  });
  it('an unknown crop is CROP_UNKNOWN', async () => {
    const r = await diagnoseInPage(page, [REAL.toString('base64')], { crop: 'Cassava' });
    expect(r.ok ? 'ok' : r.name).toBe('CROP_UNKNOWN');
  });
  it('a load() during a diagnosis lets that diagnosis finish on the old sessions', async () => {
    const r = await page.evaluate(
      async ({ photo, bundle, key }) => {
        const g = globalThis as unknown as H & { api: ReturnType<H['harness']['startWorker']> };
        const running = g.api.diagnose(Array.from({ length: 4 }, () => g.harness.fromBase64(photo))).then(
          (d) => d.photos.total,
          (e: Error) => e.name,
        );
        await g.api.load(new URL(bundle, location.href).href, { trustedKeys: [key] });
        return running;
      },
      { photo: REAL.toString('base64'), bundle: BUNDLE, key: KEY },
    );
    expect(r).toBe(4);
  });
  it('an untrusted bundle is BUNDLE_INVALID, a missing one BUNDLE_INVALID naming manifest.json', async () => {
    const r = await page.evaluate(async (bundle) => {
      const g = globalThis as unknown as H;
      const api = g.harness.startWorker();
      const names: string[] = [];
      for (const base of [bundle, '/no-such-bundle/']) {
        await api.load(new URL(base, location.href).href).catch((e: Error) => names.push(`${e.name}: ${e.message}`));
      }
      return names;
    }, BUNDLE);
    expect(r[0]).toMatch(/^BUNDLE_INVALID: UNTRUSTED_KEY/);
    expect(r[1]).toMatch(/^BUNDLE_INVALID: MANIFEST_MISSING/);
  });
  it.skipIf(!existsSync(new URL('../../../bundles/default/manifest.json', import.meta.url)))(
    'loads the trained default bundle with the shipped keys only, hands the page its names, and diagnoses a field photo',
    async () => {
      const field = readFileSync(new URL(sharedImage('ibean/test/Bean___healthy/'), SHARED_DATA)).toString('base64');
      const r = await page.evaluate(async (photo) => {
        const g = globalThis as unknown as H;
        const api = g.harness.startWorker();
        const loaded = await api.load(new URL('/bundles/default/', location.href).href);
        const d = await api.diagnose([g.harness.fromBase64(photo)], { crop: 'Bean' });
        const { names, adviceTranslations } = loaded.content;
        return {
          crops: loaded.crops,
          crop: d.crop,
          alternatives: d.alternatives.map((a) => a.label),
          beanInSwahili: names?.crops.Bean?.sw,
          translations: Object.keys(adviceTranslations).sort(),
        };
      }, field);
      expect(r.crops).toContain('Bean');
      // The bundle's own names.json and advice.<lang>.json (2.0.1 on), verified with it.
      expect(r.beanInSwahili).toBe('Maharage');
      expect(r.translations).toEqual(['es', 'fr', 'hi', 'pt', 'sw']);
      expect(r.crop).toBe('Bean');
      expect(r.alternatives.every((l) => l.startsWith('Bean___'))).toBe(true);
    },
  );
  it('with COOP/COEP: cross-origin isolated, 2 threads, same answer', async () => {
    const isolatedPage = await openPage(true);
    expect(await isolatedPage.evaluate(() => crossOriginIsolated)).toBe(true);
    const loaded = await loadInPage(isolatedPage);
    expect(loaded.backend).toMatchObject({ name: 'wasm', threads: 2 });
    const a = await diagnoseInPage(isolatedPage, [REAL.toString('base64')]);
    const b = await diagnoseInPage(page, [REAL.toString('base64')]);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.result.crops[0]?.probability).toBeCloseTo(b.result.crops[0]?.probability as number, 5);
    await isolatedPage.close();
  });
});
