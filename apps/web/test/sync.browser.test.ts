// Sync in a real browser against the real API (SQLite): feedback recorded offline arrives exactly once
// after going online; the API killed in the middle of a batch and restarted loses and duplicates nothing;
// the agronomist reviews what arrived.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleInfoOf, startTestServer, type TestServer } from '@leafcheck/api/test-server';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { diagnosePhoto, expect, giveFeedback, openApp, outboxCount, shot, textOf, visible } from './browser.ts';
import { type FlakyProxy, startFlakyProxy } from './flaky-proxy.ts';
import { leafPhoto, readManifest } from './photos.ts';
import { buildApp, REPO_ROOT, type StaticServer, serveStatic } from './serve.ts';

let web: StaticServer;
let api: TestServer;
let apiDir: string | undefined;
let proxy: FlakyProxy;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let leaf: { file: string; label: string };
/** The farmer's "wrong, it is …" answer: another disease of the same crop. */
let corrected: string;
let served: ReturnType<typeof bundleInfoOf>;
const sent: string[] = [];

async function serverTotal(): Promise<number> {
  const res = await fetch(`${api.url}/v1/feedback/stats`, { headers: { authorization: `Bearer ${api.tokens.maintainer}` } });
  const body = (await res.json()) as { byBundle: { total: number }[] };
  return body.byBundle.reduce((sum, row) => sum + row.total, 0);
}

async function queuedIds(): Promise<string[]> {
  await outboxCount(page);
  return page
    .getByTestId('outbox')
    .locator('li')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-id') ?? ''));
}

async function waitForEmptyOutbox(timeout = 60_000): Promise<void> {
  await expect.poll(() => outboxCount(page), { timeout, interval: 1_000 }).toBe('0 answers waiting to send');
}

beforeAll(async () => {
  const dist = await buildApp();
  const bundleDir = join(dist, 'bundles/default');
  const trust = readManifest(bundleDir).bundleVersion.endsWith('-fixture')
    ? join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-python.key.json')
    : undefined;
  leaf = await leafPhoto(bundleDir, trust);
  const crop = leaf.label.split('___')[0] as string;
  corrected = (readManifest(bundleDir).taxonomy.crops[crop] ?? []).find((l) => l !== leaf.label) ?? '';
  web = await serveStatic(dist);
  // Review labels must be in the served bundle's taxonomy, so the API serves the app's bundle.
  served = bundleInfoOf(readManifest(bundleDir));
  api = await startTestServer({ bundle: served });
  apiDir = api.dir; // the restarted API below reuses it, so it is removed here, not by api.close()
  proxy = await startFlakyProxy(api.port);
  browser = await launchChromium();
  // A field near Kampala; the app may only ever send it rounded to 0.1 degree.
  context = await browser.newContext({
    viewport: PHONE_VIEWPORT,
    deviceScaleFactor: 1,
    permissions: ['geolocation'],
    geolocation: { latitude: 0.34768, longitude: 32.58252 },
  });
  page = await openApp(context, web.url);
  await page.goto(new URL('#/settings', web.url).href);
  await page.getByLabel('Server address').fill(proxy.url);
  await page.getByLabel('Device key').fill(api.tokens.device);
  await page.getByLabel('Agronomist key').fill(api.tokens.agronomist);
  await page.getByTestId('save-settings').click();
  await visible(page.getByText('Saved.'));
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await api?.close();
  await web?.close();
  if (apiDir) await rm(apiDir, { recursive: true, force: true });
});

describe('feedback sync', () => {
  it('sends feedback recorded offline exactly once after going online', async () => {
    await context.setOffline(true);
    await diagnosePhoto(page, leaf.file);
    await giveFeedback(page, 'right', { photo: true, location: true });
    const ids = await queuedIds();
    expect(ids).toHaveLength(1);
    expect(await serverTotal()).toBe(0);

    await context.setOffline(false);
    await waitForEmptyOutbox();
    expect(await serverTotal()).toBe(1);
    const stored = await fetch(`${api.url}/v1/review/${ids[0]}`, { headers: { authorization: `Bearer ${api.tokens.agronomist}` } });
    expect(stored.status).toBe(200);
    const item = (await stored.json()) as { farmer: { verdict: string }; location: unknown; photoUrl: string | null };
    expect(item.farmer.verdict).toBe('right');
    expect(item.location).toEqual({ lat: 0.3, lon: 32.6 });
    expect(item.photoUrl).not.toBeNull();
    expect(await textOf(page.getByTestId('last-sync'))).not.toContain('never');
    await page.goto(new URL('#/history', web.url).href);
    await page.getByRole('button', { name: 'Open' }).first().click();
    await visible(page.getByText('Thank you. Your answer was sent.'));
    sent.push(...ids);
  });

  it('loses and duplicates nothing when the API dies in the middle of a batch', async () => {
    await context.setOffline(true);
    await diagnosePhoto(page, leaf.file);
    await giveFeedback(page, 'right', { photo: true });
    await diagnosePhoto(page, [leaf.file, leaf.file]); // two photos of the same plant
    await visible(page.getByText(/of 2 photos/));
    await giveFeedback(page, 'wrong', { photo: true, label: corrected });
    await shot(page, '07b-feedback-wrong');
    const ids = await queuedIds();
    expect(ids).toHaveLength(2);

    const postsBefore = proxy.feedbackPosts;
    const killed = proxy.killNextBatch(() => api.stop());
    await context.setOffline(false);
    await killed; // the API stored the batch, then died before answering
    const dir = api.dir;
    const tokens = api.tokens;
    await new Promise((r) => setTimeout(r, 1_500)); // the app retries into a dead API meanwhile
    api = await startTestServer({ dir, tokens, port: api.port, bundle: served });

    await waitForEmptyOutbox(90_000);
    expect(proxy.feedbackPosts - postsBefore).toBeGreaterThanOrEqual(2); // the batch was resent
    expect(await serverTotal()).toBe(3);
    for (const id of [...sent, ...ids]) {
      const res = await fetch(`${api.url}/v1/review/${id}`, { headers: { authorization: `Bearer ${api.tokens.agronomist}` } });
      expect(res.status, id).toBe(200);
    }
    sent.push(...ids);
  });

  it('lets an agronomist review what arrived with one key', async () => {
    await page.goto(new URL('#/review', web.url).href);
    const item = page.getByTestId('review-item');
    await visible(item.locator('img'));
    await visible(page.locator('svg.chart'));
    await shot(page, '11-review');
    await shot(page, '11-review-full', true);
    // "Wrong" answers come first, and accepting takes the farmer's correction.
    expect(await item.getByTestId('farmer').textContent()).toContain('wrong');
    expect(await item.getByTestId('accept').textContent()).toMatch(/^Accept \(A\)/);
    await page.keyboard.press('a');
    const reviews = async () =>
      (
        await Promise.all(
          sent.map(async (id) => {
            // The maintainer's token, polled twice a second: the API rate-limits each token (10/s), and the screen under test uses the agronomist's.
            const res = await fetch(`${api.url}/v1/review/${id}`, { headers: { authorization: `Bearer ${api.tokens.maintainer}` } });
            if (!res.ok) throw new Error(`GET /v1/review/${id}: ${res.status} ${await res.text()}`);
            return ((await res.json()) as { review: { decision: string; label: string | null } | null }).review;
          }),
        )
      ).filter((r) => r !== null);
    await expect
      .poll(reviews, { timeout: 15_000, interval: 500 })
      .toEqual([expect.objectContaining({ decision: 'label', label: corrected })]);

    // The next item: correct (C) to another label, then skip (S) the one after.
    await expect.poll(() => textOf(item.locator('p').first())).toMatch(/^2 left/);
    await page.keyboard.press('c');
    await page.getByLabel('Choose the right problem').selectOption(leaf.label);
    await page.getByRole('button', { name: 'Save label' }).click();
    await expect.poll(() => textOf(item.locator('p').first())).toMatch(/^1 left/);
    await page.keyboard.press('s');
    await expect
      .poll(reviews, { timeout: 15_000, interval: 500 })
      .toEqual(
        expect.arrayContaining([
          expect.objectContaining({ decision: 'label', label: corrected }),
          expect.objectContaining({ decision: 'label', label: leaf.label }),
          expect.objectContaining({ decision: 'skip' }),
        ]),
      );
    await visible(page.getByTestId('review-empty'));
  });

  it('drains the outbox from the service worker on a Background Sync event, with the app closed', async () => {
    await context.setOffline(true);
    await diagnosePhoto(page, leaf.file);
    await giveFeedback(page, 'right');
    const before = await serverTotal();
    // Close the app; only its service worker is left. A blank page keeps the browser context open.
    const blank = await context.newPage();
    await page.close();
    await context.setOffline(false);
    // Offline emulation does not reach Chromium's own network monitor, so the browser cannot know the
    // network "came back": fire the sync event the way it would, through the DevTools protocol.
    const cdp = await context.newCDPSession(blank);
    const registrationId = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === web.url && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.dispatchSyncEvent', {
      origin: web.url.replace(/\/$/, ''),
      registrationId: await registrationId,
      tag: 'leafcheck-outbox',
      lastChance: false,
    });
    await expect.poll(serverTotal, { timeout: 30_000, interval: 500 }).toBe(before + 1);
    page = await openApp(context, web.url);
    expect(await outboxCount(page)).toBe('0 answers waiting to send');
    await blank.close();
  });
});
