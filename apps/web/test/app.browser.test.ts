// The farmer's path in a real browser against the built app: first visit online, then offline with a
// reload; a corrupt file and a non-leaf photo; a real leaf diagnosed; feedback into the outbox; reload.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { cropName } from '../src/i18n/names.ts';
import { addPhoto, diagnosePhoto, expect, giveFeedback, modelReady, openApp, outboxCount, shot, textOf, visible } from './browser.ts';
import { fixtureTrustKey, leafPhoto, nonLeafPhoto, readManifest } from './photos.ts';
import { buildApp, type StaticServer, serveStatic } from './serve.ts';

let server: StaticServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let bundleDir: string;
let trustKey: string | undefined;

beforeAll(async () => {
  const dist = await buildApp();
  bundleDir = join(dist, 'bundles/default');
  // The fixture fallback is signed by a test key the build trusts; the trained bundle by a shipped key.
  trustKey = fixtureTrustKey(bundleDir);
  server = await serveStatic(dist);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: PHONE_VIEWPORT, deviceScaleFactor: 1 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('Leafcheck PWA offline', () => {
  it('diagnoses offline after one online visit, keeps history and outbox across reloads', async () => {
    const leaf = await leafPhoto(bundleDir, trustKey);
    const nonLeaf = await nonLeafPhoto(bundleDir, trustKey);

    page = await openApp(context, server.url);
    await shot(page, '01-diagnose-online');
    // What the first visit cached: the model in its own versioned cache, the wasm runtime in the precache.
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const urls = async (name: string) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
      const bundle = names.find((n) => n.startsWith('leafcheck-bundle-'));
      const precache = names.find((n) => n.startsWith('workbox-precache'));
      return { bundle, bundleFiles: bundle ? await urls(bundle) : [], precacheFiles: precache ? await urls(precache) : [] };
    });
    const manifest = readManifest(bundleDir);
    expect(cached.bundle).toMatch(new RegExp(`^leafcheck-bundle-${manifest.bundleVersion.replace(/\./g, '\\.')}-[0-9a-f]{8}$`));
    // Each file once, though a shared graph is named by both models.
    const listed = [
      ...new Set(['manifest.json', ...Object.values(manifest.models).map((m) => m.file), ...Object.keys(manifest.files ?? {})]),
    ];
    expect(cached.bundleFiles.sort()).toEqual(listed.map((f) => `/bundles/default/${f}`).sort());
    expect(cached.precacheFiles.some((f) => /ort-wasm-simd-threaded-.*\.wasm$/.test(f))).toBe(true);

    await context.setOffline(true);
    await page.reload();
    await modelReady(page);
    await visible(page.getByText('Offline – still works'));
    await shot(page, '02-diagnose-offline');

    // A file that is no photo at all: said so (not "damaged"), and the screen stays usable.
    await addPhoto(page, { name: 'leaf.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a JPEG at all') });
    expect(await textOf(page.getByTestId('error'))).toMatch(/is not a photo/);
    await shot(page, '03-corrupt-photo');

    // A non-leaf scene: the quality check says so before diagnosing.
    await addPhoto(page, nonLeaf.file);
    await expect.poll(() => textOf(page.getByTestId('quality-warning'))).toContain('We cannot see a leaf in this photo.');
    await shot(page, '04-quality-no-leaf');
    await page.getByRole('button', { name: 'Use it anyway' }).click();
    await page.getByTestId('run').click();
    await page.waitForURL(/#\/result\//, { timeout: 60_000 });
    if (nonLeaf.modelSaysNotALeaf) await visible(page.getByText('This does not look like a leaf.'));
    await shot(page, '05-result-non-leaf');

    // A real leaf of a class the bundle knows: the right disease and its advice.
    const crop = leaf.label.split('___')[0] as string;
    await diagnosePhoto(page, leaf.file, { crop });
    expect(await page.getByTestId('disease').getAttribute('data-label')).toBe(leaf.label);
    expect(await textOf(page.getByTestId('crop'))).toContain(cropName(crop)); // the names catalogue, not the dataset's spelling
    const advice = JSON.parse(readFileSync(join(bundleDir, 'advice.json'), 'utf8')) as { entries: Record<string, { actions: string[] }> };
    const firstAction = advice.entries[leaf.label]?.actions[0];
    if (firstAction) await expect.poll(() => textOf(page.getByTestId('advice'))).toContain(firstAction);
    await expect.poll(() => textOf(page.getByTestId('bundle-version'))).toContain(readManifest(bundleDir).bundleVersion);
    // Served from the service worker, the page is cross-origin isolated, so the model may use threads.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await shot(page, '06-result');
    await shot(page, '06-result-full', true);

    await giveFeedback(page, 'right');
    await shot(page, '07-feedback-saved');
    expect(await outboxCount(page)).toBe('1 answer waiting to send');
    await expect.poll(() => textOf(page.getByTestId('outbox'))).toContain('right');
    await shot(page, '08-settings');
    await shot(page, '08-settings-full', true);

    await page.reload();
    expect(await outboxCount(page)).toBe('1 answer waiting to send');
    await page.goto(new URL('#/history', page.url()).href);
    const items = page.getByTestId('history').locator('li');
    await expect.poll(() => items.count()).toBe(2);
    await shot(page, '09-history');

    await items.first().getByRole('button', { name: 'Open' }).click();
    expect(await page.getByTestId('disease').getAttribute('data-label')).toBe(leaf.label);
    await visible(page.getByText('You answered: right'));
    await page.goto(new URL('#/history', page.url()).href);
    await items
      .last()
      .getByRole('button', { name: /^Delete:/ })
      .click();
    await expect.poll(() => items.count()).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete all' }).click();
    await visible(page.getByTestId('history-empty'));
    await shot(page, '10-history-empty');
  });
});
