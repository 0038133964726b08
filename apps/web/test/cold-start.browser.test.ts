// Cold start with no server at all: visit once, quit the browser, shut the web server down, start the
// browser again offline from the same profile, and diagnose. Only the service worker's caches can answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { diagnosePhoto, expect, modelReady, openApp, shot } from './browser.ts';
import { leafPhoto, readManifest } from './photos.ts';
import { buildApp, REPO_ROOT, serveStatic } from './serve.ts';

let profile: string;
let dist: string;

// A persistent profile is the point here, which launchChromium() does not offer; same binary and flags.
const launch = (offline: boolean): Promise<BrowserContext> =>
  chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: PHONE_VIEWPORT,
    offline,
  });

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'leafcheck-web-profile-'));
  dist = await buildApp();
});

afterAll(() => rmSync(profile, { recursive: true, force: true }));

describe('cold start offline', () => {
  it('opens and diagnoses after a browser restart with the web server gone', async () => {
    const bundleDir = join(dist, 'bundles/default');
    const trust = readManifest(bundleDir).bundleVersion.endsWith('-fixture')
      ? join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-python.key.json')
      : undefined;
    const leaf = await leafPhoto(bundleDir, trust);

    const server = await serveStatic(dist);
    const first = await launch(false);
    await openApp(first, server.url);
    await first.close();
    await server.close(); // nothing listens on this port any more

    const second = await launch(true);
    try {
      const page = await second.newPage();
      await page.goto(server.url);
      await modelReady(page);
      await diagnosePhoto(page, leaf.file);
      expect(await page.getByTestId('disease').getAttribute('data-label')).toBe(leaf.label);
      await shot(page, '15-cold-start-offline');
    } finally {
      await second.close();
    }
  });
});
