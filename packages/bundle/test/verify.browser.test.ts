// The same verification code, in real Chromium: a bundle signed by Python verifies, a tampered one is named.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@leafcheck/test-browser';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const key = JSON.parse(readFileSync(new URL('../fixtures/signed-by-python.key.json', import.meta.url), 'utf8'));
let server: ViteDevServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await createServer({ root, configFile: false, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  browser = await launchChromium();
  page = await browser.newPage();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await page.goto(`http://127.0.0.1:${port}/packages/bundle/fixtures/signed-by-python/model-card.md`);
  // Vite serves and transforms the real TypeScript module; the test code only calls it.
  await page.addScriptTag({ type: 'module', content: "import * as m from '/packages/bundle/src/index.ts'; globalThis.bundleLib = m;" });
  await page.waitForFunction(() => 'bundleLib' in globalThis);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function verifyInPage(tamper: string | null) {
  return page.evaluate(
    async ({ key, tamper }) => {
      const mod = (globalThis as unknown as { bundleLib: typeof import('../src/index.ts') }).bundleLib;
      const base = '/packages/bundle/fixtures/signed-by-python/';
      const source = {
        async read(name: string) {
          const res = await fetch(base + name);
          if (!res.ok) return null;
          const bytes = new Uint8Array(await res.arrayBuffer());
          if (name === tamper) bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x01;
          return bytes;
        },
      };
      try {
        const v = await mod.verifyBundle(source, [key]);
        return { ok: true, version: v.manifest.bundleVersion, files: [...v.files.keys()].length };
      } catch (err) {
        const e = err as { code?: string; message: string; file?: string };
        return { ok: false, code: e.code, message: e.message, file: e.file };
      }
    },
    { key, tamper },
  );
}

it('verifies a Python-signed bundle in Chromium', async () => {
  expect(await verifyInPage(null)).toEqual({ ok: true, version: '0.0.1-fixture', files: 4 });
});

it.each(['leafnet.onnx', 'advice.json', 'manifest.json'])('names %s when one of its bytes flips', async (name) => {
  const result = await verifyInPage(name);
  expect(result.ok).toBe(false);
  expect(result.file).toBe(name);
  expect(result.message).toContain(name);
});
