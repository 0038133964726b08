// A model bundle damaged on the way (one byte of a signed file changed): the app must say so in the
// farmer's words, and Settings must show the integrity failure, instead of diagnosing with bad files.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expect, shot, textOf, visible } from './browser.ts';
import { buildApp, REPO_ROOT, type StaticServer, serveStatic } from './serve.ts';

let tmp: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'leafcheck-web-damaged-'));
  const source = join(REPO_ROOT, 'bundles/default');
  const bundle = join(tmp, 'bundle');
  cpSync(source, bundle, { recursive: true });
  const card = join(bundle, 'model-card.md');
  const bytes = readFileSync(card);
  bytes[0] = (bytes[0] ?? 0) ^ 0x20; // flip one bit of a file the signed manifest lists with its sha256
  writeFileSync(card, bytes);
  const dist = await buildApp(join(tmp, 'dist'), { LEAFCHECK_BUNDLE_DIR: bundle });
  delete process.env.LEAFCHECK_BUNDLE_DIR;
  server = await serveStatic(dist);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('damaged model bundle', () => {
  it('refuses it and tells the farmer what to do', async () => {
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT });
    const page = await context.newPage();
    await page.goto(server.url);
    await visible(page.getByText('The plant doctor files are damaged. Open the app with a network to download them again.'), 60_000);
    await shot(page, '14-damaged-bundle');
    await page.goto(new URL('#/settings', server.url).href);
    expect(await textOf(page.getByText(/^Files damaged:/))).toMatch(/model-card\.md/);
    await context.close();
  });
});
