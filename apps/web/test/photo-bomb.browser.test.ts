// Photo bombs on the page: a 20000 x 20000 JPEG and a 12000 x 12000 PNG (small files that decode to gigabytes) are
// refused from their headers with a clear message, the renderer's peak memory stays under 600 MB, nothing stays in
// the photo list, and the next photo works. Tiny and non-photo files get their own words, never a developer message.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { addPhoto, expect, openApp, shot, textOf, visible } from './browser.ts';
import { fixtureTrustKey, leafPhoto } from './photos.ts';
import { ARTIFACTS, buildApp, type StaticServer, serveStatic } from './serve.ts';

const MAX_RENDERER_BYTES = 600 * 1024 * 1024;

let server: StaticServer;
let browser: Browser;
let context: BrowserContext;
let cdp: CDPSession;
let page: Page;
let bundleDir: string;
let trustKey: string | undefined;

/** A real file: a plain green image of that size (compresses to a few MB at most). */
async function plain(width: number, height: number, format: 'jpeg' | 'png'): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: 60, g: 140, b: 50 } }, limitInputPixels: false });
  return format === 'jpeg' ? image.jpeg({ quality: 50 }).toBuffer() : image.png({ compressionLevel: 9 }).toBuffer();
}

/** Process ids of this browser's renderers (the page and its worker run there), from Chromium itself. */
async function rendererPids(): Promise<number[]> {
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo' as never)) as { processInfo: Array<{ type: string; id: number }> };
  return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
}

/**
 * Peak resident memory (VmHWM) of the largest renderer since the last reset (`reset`: start a new peak at the
 * current RSS, so each bomb is measured alone), or with `field: 'VmRSS'` the memory in use now.
 */
async function rendererPeak(reset = false, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): Promise<number> {
  let peak = 0;
  for (const pid of await rendererPids()) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      peak = Math.max(peak, Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024);
      if (reset) writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // a renderer that has exited
    }
  }
  return peak;
}

beforeAll(async () => {
  const dist = await buildApp(join(ARTIFACTS, 'photo-bomb-dist'));
  bundleDir = join(dist, 'bundles/default');
  trustKey = fixtureTrustKey(bundleDir);
  server = await serveStatic(dist);
  browser = await launchChromium();
  cdp = await browser.newBrowserCDPSession();
  context = await browser.newContext({ viewport: PHONE_VIEWPORT, deviceScaleFactor: 1 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('photo bombs and odd files on the page', () => {
  it('refuses the bombs from their headers within 600 MB, keeps the list clean, and the next photo works', {
    timeout: 240_000,
  }, async () => {
    const [jpegBomb, pngBomb] = await Promise.all([plain(20_000, 20_000, 'jpeg'), plain(12_000, 12_000, 'png')]);
    const leaf = await leafPhoto(bundleDir, trustKey);
    page = await openApp(context, server.url);
    await page.goto(new URL('#/diagnose', page.url()).href);

    const peaks: Record<string, number> = {};
    const before: Record<string, number> = {};
    for (const [name, buffer, mimeType] of [
      ['bomb-20000.jpg', jpegBomb, 'image/jpeg'],
      ['bomb-12000.png', pngBomb, 'image/png'],
    ] as const) {
      await rendererPeak(true);
      before[name] = await rendererPeak(false, 'VmRSS');
      await addPhoto(page, { name, mimeType, buffer });
      expect(await textOf(page.getByTestId('error'))).toBe(
        'This photo is too big for this phone. Take a new photo with the camera at its normal size.',
      );
      peaks[name] = await rendererPeak();
      expect(peaks[name], `${name}: renderer peak ${Math.round((peaks[name] as number) / 2 ** 20)} MB`).toBeLessThan(MAX_RENDERER_BYTES);
      expect(await page.getByText(/photo\(s\) of this plant/).count()).toBe(0);
    }
    await shot(page, 'photo-bomb-refused');
    console.log(
      `renderer peak RSS: ${Object.entries(peaks)
        .map(([n, b]) => `${n} ${Math.round((before[n] as number) / 2 ** 20)} MB before, peak ${Math.round(b / 2 ** 20)} MB`)
        .join(', ')}`,
    );

    // The next photo is read and diagnosed as usual.
    await addPhoto(page, leaf.file);
    await visible(page.getByText('1 photo of this plant'));
    expect(await page.getByTestId('error').count()).toBe(0);
    const warning = page.getByTestId('quality-warning');
    await visible(warning.or(page.getByTestId('run')));
    if (await warning.isVisible()) await page.getByRole('button', { name: 'Use it anyway' }).click();
    await page.getByTestId('run').click();
    await page.waitForURL(/#\/result\//, { timeout: 60_000 });
  });

  it.each([
    ['a 1x1 PNG', async () => ({ name: 'dot.png', mimeType: 'image/png', buffer: await plain(1, 1, 'png') }), 'too small to show the leaf'],
    ['a 1x4000 JPEG', async () => ({ name: 'line.jpg', mimeType: 'image/jpeg', buffer: await plain(1, 4000, 'jpeg') }), 'too small'],
    ['a text file', async () => ({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('just some text') }), 'is not a photo'],
    ['a PDF', async () => ({ name: 'doc.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%...') }), 'is not a photo'],
    ['a TIFF', async () => ({ name: 'scan.tif', mimeType: 'image/tiff', buffer: Buffer.from('II*\0\x08\0\0\0') }), 'is not a photo'],
  ])('%s is refused in plain words', { timeout: 60_000 }, async (_name, file, words) => {
    // A fresh tab on the diagnose screen each time (the app and model are cached by the first test).
    const tab = await context.newPage();
    await tab.goto(`${server.url}/#/diagnose`);
    await tab.getByTestId('photo-input').waitFor({ state: 'attached', timeout: 60_000 });
    await addPhoto(tab, await file());
    const message = await textOf(tab.getByTestId('error'));
    expect(message).toContain(words);
    expect(message).not.toMatch(/RGBA|pixels|decode|Error|undefined/);
    expect(await tab.getByText(/photo\(s\) of this plant/).count()).toBe(0);
    await tab.close();
  });
});
