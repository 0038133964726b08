// A new version deployed while the app is open: the update prompt appears, and "Update now" reloads into
// the new version. And the live camera path, with Chromium's fake camera.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expect, openApp, shot, textOf, visible } from './browser.ts';
import { buildApp, type StaticServer, serveStatic } from './serve.ts';

let tmp: string;
let v1: string;
let v2: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'leafcheck-web-update-'));
  v1 = await buildApp(join(tmp, 'v1'), { VITE_APP_VERSION: '9.0.0-one' });
  v2 = await buildApp(join(tmp, 'v2'), { VITE_APP_VERSION: '9.0.0-two' });
  delete process.env.VITE_APP_VERSION;
  server = await serveStatic(v1);
  browser = await launchChromium({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('app update and camera', () => {
  it('offers a new version and reloads into it when the farmer says so', async () => {
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT });
    const page = await openApp(context, server.url);
    await page.goto(new URL('#/settings', server.url).href);
    expect(await textOf(page.getByText(/^App version/))).toBe('App version 9.0.0-one');

    server.setRoot(v2);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await visible(page.getByTestId('apply-update'), 60_000);
    await shot(page, '12-update-prompt');
    const reloaded = page.waitForEvent('framenavigated', { timeout: 30_000 });
    await page.getByTestId('apply-update').click();
    await reloaded;
    await page.goto(new URL('#/settings', server.url).href);
    await expect.poll(() => textOf(page.getByText(/^App version/)), { timeout: 30_000 }).toBe('App version 9.0.0-two');
    await context.close();
  });

  it('takes a photo with the live camera', async () => {
    server.setRoot(v2);
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, permissions: ['camera'] });
    const page = await openApp(context, server.url);
    await page.getByRole('button', { name: 'Use live camera' }).click();
    await visible(page.locator('video'));
    await page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
    await shot(page, '13-live-camera');
    await page.getByRole('button', { name: 'Take this photo' }).click();
    await visible(page.getByText('1 photo of this plant'));
    expect(await page.locator('video').count()).toBe(0); // the camera is released
    await context.close();
  });
});
