// Shared steps of the browser tests: open the built app, wait for the model, diagnose a photo, screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ARTIFACTS } from './serve.ts';

export { expect };

/** playwright-core has no web-first assertions: wait for visibility, then poll text with vitest. */
export async function visible(locator: Locator, timeout = 15_000): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}

export async function textOf(locator: Locator): Promise<string> {
  await visible(locator);
  return (await locator.first().textContent()) ?? '';
}

export async function openApp(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  await page.goto(url);
  // The first visit is not over until the service worker controls the page (shell, wasm and model cached).
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 60_000 });
  await modelReady(page);
  return page;
}

export async function modelReady(page: Page): Promise<void> {
  await visible(page.getByText('Ready. Works without a network.'), 60_000);
}

export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** Adds a photo through the camera/file input; answers a quality warning with "Use it anyway". */
export async function addPhoto(page: Page, file: string | { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await page.getByTestId('photo-input').setInputFiles(file);
}

/** Diagnoses one or more photos of the same plant, optionally saying which crop it is. */
export async function diagnosePhoto(page: Page, files: string | string[], options: { crop?: string } = {}): Promise<void> {
  await page.goto(new URL('#/diagnose', page.url()).href);
  const warning = page.getByTestId('quality-warning');
  const run = page.getByTestId('run');
  for (const [i, file] of [files].flat().entries()) {
    await addPhoto(page, file);
    await visible(page.getByText(i === 0 ? '1 photo of this plant' : `${i + 1} photos of this plant`));
    await visible(warning.or(run));
    if (await warning.isVisible()) await page.getByRole('button', { name: 'Use it anyway' }).click();
  }
  if (options.crop) await page.getByLabel('Which crop is it? (optional)').selectOption(options.crop);
  await run.click();
  await page.waitForURL(/#\/result\//, { timeout: 60_000 });
}

export async function giveFeedback(
  page: Page,
  verdict: 'right' | 'wrong' | 'not-sure',
  options: { photo?: boolean; location?: boolean; label?: string } = {},
): Promise<void> {
  await page.locator(`[data-verdict="${verdict}"]`).click();
  if (options.label) await page.getByLabel('It is…').selectOption(options.label);
  if (options.photo) await page.getByLabel('Send the photo to help improve Leafcheck').check();
  if (options.location) await page.getByLabel('Send my rough area (about 10 km)').check();
  await page.getByTestId('save-feedback').click();
  await visible(page.getByTestId('feedback-saved'));
}

export async function outboxCount(page: Page): Promise<string> {
  await page.goto(new URL('#/settings', page.url()).href);
  return textOf(page.getByTestId('outbox-count'));
}
