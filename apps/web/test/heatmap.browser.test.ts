// "Where the model looked" on the result screen of the built app: off by default, toggled on for a stored result
// (made from its photo), remembered for the next diagnosis, drawn over the photo, and off again.
import { join } from 'node:path';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { diagnosePhoto, expect, openApp, shot, visible } from './browser.ts';
import { fixtureTrustKey, leafPhoto, readManifest } from './photos.ts';
import { buildApp, type StaticServer, serveStatic } from './serve.ts';

let server: StaticServer;
let browser: Browser;
let bundleDir: string;

beforeAll(async () => {
  const dist = await buildApp();
  bundleDir = join(dist, 'bundles/default');
  server = await serveStatic(dist);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Share of the overlay's pixels that are painted (alpha > 0). */
const painted = (page: Page) =>
  page.getByTestId('heatmap-canvas').evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const { data } = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
    return n / (data.length / 4);
  });

describe('heatmap on the result screen', () => {
  it('shows where the model looked when asked, remembers it, and hides it again', async () => {
    const manifest = readManifest(bundleDir) as unknown as { models: { disease: { cam?: unknown } } };
    const leaf = await leafPhoto(bundleDir, fixtureTrustKey(bundleDir));
    const crop = leaf.label.split('___')[0] as string;
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, deviceScaleFactor: 1 });
    const page = await openApp(context, server.url);

    await diagnosePhoto(page, leaf.file, { crop });
    const toggle = page.getByTestId('heatmap-toggle');
    await visible(toggle);
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await page.getByTestId('heatmap').count()).toBe(0);

    await toggle.click();
    if (!manifest.models.disease.cam) {
      await visible(page.getByText('This model version cannot show where it looked.'));
      return;
    }
    const figure = page.getByTestId('heatmap');
    await visible(figure, 60_000);
    expect(await figure.getAttribute('data-label')).toBe(await page.getByTestId('disease').getAttribute('data-label'));
    const share = await painted(page);
    expect(share).toBeGreaterThan(0.05); // some of the leaf is marked...
    expect(share).toBeLessThan(1); // ...not all of the photo
    await figure.scrollIntoViewIfNeeded();
    await shot(page, '11-heatmap');

    // Remembered: the next diagnosis comes with its map at once.
    await diagnosePhoto(page, leaf.file, { crop });
    await visible(page.getByTestId('heatmap'));
    expect(await page.getByTestId('heatmap-toggle').getAttribute('aria-pressed')).toBe('true');
    const stored = await page.evaluate(async () => {
      const id = decodeURIComponent(location.hash.split('/').pop() ?? '');
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('leafcheck');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const entry = await new Promise<{ diagnosis: { heatmap?: { width: number; values: number[] } } }>((resolve, reject) => {
        const r = db.transaction('history').objectStore('history').get(id);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      return entry.diagnosis.heatmap;
    });
    expect(stored?.values.length).toBe((stored?.width ?? 0) ** 2);
    expect(Math.max(...(stored?.values ?? []))).toBe(1);

    await page.getByTestId('heatmap-toggle').click();
    await expect.poll(() => page.getByTestId('heatmap').count()).toBe(0);
    await context.close();
  }, 240_000);
});
