// Over-the-air model updates in the built PWA against the real API: a head-only update moves only the heads
// file and the manifest (and the small release notes), the phone then diagnoses offline with it; a full update
// whose download breaks half way resumes from the offset; "go back to the previous model" works and sticks.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@leafcheck/api/test-server';
import { type BundleManifest, generateKeyPair } from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { channels, memoryChannelStore } from '../../api/src/registry/channels.ts';
import { localRegistry } from '../../api/src/registry/registry.ts';
import { otaBundle } from '../../api/test/ota-bundles.ts';
import { diagnosePhoto, expect, openApp, shot, textOf, visible } from './browser.ts';
import { DATA } from './photos.ts';
import { buildApp, type StaticServer, serveStatic } from './serve.ts';

interface Hit {
  path: string;
  status: number;
  range: string | undefined;
  bytes: number;
}

/** The API behind a loopback proxy that counts body bytes per request and can cut one response half way. */
async function countingProxy(targetPort: number) {
  const hits: Hit[] = [];
  let cut: string | null = null;
  const server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const hit: Hit = { path: req.url ?? '', status: up.statusCode ?? 0, range: req.headers.range, bytes: 0 };
      // GETs only: a resumed request with If-Range is preceded by a CORS preflight (OPTIONS, no body).
      if (hit.path.startsWith('/v1/bundles/') && req.method === 'GET') hits.push(hit);
      res.writeHead(up.statusCode ?? 502, up.headers);
      const cutHere = cut !== null && hit.path.endsWith(cut) && req.method === 'GET';
      if (cutHere) cut = null;
      const body: Buffer[] = [];
      up.on('data', (chunk: Buffer) => body.push(chunk));
      up.on('end', () => {
        const all = Buffer.concat(body);
        const sent = cutHere ? all.subarray(0, all.length >> 1) : all;
        hit.bytes = sent.length;
        // The connection drops half way, a moment after the first half (the phone reads what came, as on a slow link).
        if (cutHere) res.write(sent, () => setTimeout(() => res.socket?.destroy(), 500));
        else res.end(sent);
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    cutNext(file: string) {
      cut = file;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

const publisher = generateKeyPair();
let tmp: string;
let api: TestServer;
let proxy: Awaited<ReturnType<typeof countingProxy>>;
let app: StaticServer;
let browser: Browser;
const dirs: Record<string, string> = {};
const manifest = (v: string) => JSON.parse(readFileSync(join(dirs[v] as string, 'manifest.json'), 'utf8')) as BundleManifest;
const size = (v: string, name: string) => readFileSync(join(dirs[v] as string, name)).byteLength;

async function publish(version: string) {
  const res = await fetch(`${api.url}/v1/channels/beta/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.tokens.maintainer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version, percent: 100 }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'leafcheck-web-ota-'));
  const key = { keyId: publisher.keyId, publicKeyHex: publisher.publicKeyHex };
  writeFileSync(join(tmp, 'publisher.key.json'), JSON.stringify(key));
  const plan = [
    ['1.0.0', 'backbone.onnx', 'heads.onnx', 'The first tiny model.'],
    ['1.1.0', 'backbone.onnx', 'heads-retrained.onnx', 'Heads retrained on reviewed field photos.'],
    ['1.2.0', 'backbone-retrained.onnx', 'heads-retrained.onnx', 'The whole network retrained.'],
  ] as const;
  for (const [version, backbone, heads, note] of plan) {
    dirs[version] = await otaBundle(tmp, publisher.privateKeyHex, {
      version,
      backbone,
      heads,
      notes: `# Leafcheck ${version}\n\n${note}\n`,
    });
  }
  const registry = localRegistry(join(tmp, 'registry'), [key]);
  for (const v of ['1.1.0', '1.2.0']) await registry.publish(dirSource(dirs[v] as string));
  api = await startTestServer({
    registry,
    channels: channels({ store: memoryChannelStore(), registry, signingKeyHex: () => publisher.privateKeyHex }),
  });
  proxy = await countingProxy(api.port);
  const dist = await buildApp(join(tmp, 'dist'), {
    LEAFCHECK_BUNDLE_DIR: dirs['1.0.0'] as string, // the embedded bundle
    LEAFCHECK_TRUSTED_KEYS_FILE: join(tmp, 'publisher.key.json'),
    VITE_API_BASE: proxy.url,
    VITE_MODEL_CHANNEL: 'beta',
  });
  for (const k of ['LEAFCHECK_BUNDLE_DIR', 'LEAFCHECK_TRUSTED_KEYS_FILE', 'VITE_API_BASE', 'VITE_MODEL_CHANNEL']) delete process.env[k];
  app = await serveStatic(dist);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await proxy?.close();
  await api?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('model updates over the air', () => {
  it('head-only update: only the heads file and the manifest; then offline diagnosis with it; a full update resumes a broken download', async () => {
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT });
    const page = await openApp(context, app.url);
    await page.goto(new URL('#/settings', app.url).href);
    expect(await textOf(page.getByTestId('settings-bundle'))).toBe('Model version 1.0.0');

    await publish('1.1.0');
    const before = proxy.hits.length;
    await page.getByTestId('check-model').click();
    // The app's own background check (at start, on regaining signal) may get there first: then the click finds it done.
    const installed = (v: string) => page.getByText(new RegExp(`^(Now using model ${v} \\(|You have the newest model \\(${v}\\))`));
    await visible(installed('1\\.1\\.0'), 30_000);
    const head = proxy.hits.slice(before);
    const heads = manifest('1.1.0').models.species.file;
    expect(head.map((h) => h.path.split('/').pop()).sort()).toEqual(['manifest.json', 'model-card.md', heads].sort());
    const moved = head.reduce((n, h) => n + h.bytes, 0);
    expect(moved).toBeLessThanOrEqual((size('1.1.0', heads) + size('1.1.0', 'manifest.json')) * 1.1);
    console.log(`head-only update moved ${moved} bytes: ${head.map((h) => `${h.path.split('/').pop()} ${h.bytes}`).join(', ')}`);
    expect(await textOf(page.getByTestId('settings-bundle'))).toBe('Model version 1.1.0');
    await page.getByText('What changed').click();
    expect(await textOf(page.getByTestId('model-notes'))).toContain('Heads retrained on reviewed field photos.');
    await shot(page, '20-model-updated');

    // Offline, the phone diagnoses with the new model.
    await context.setOffline(true);
    const photo = join(DATA, 'Tomato___healthy', readdirSync(join(DATA, 'Tomato___healthy')).sort()[0] as string);
    await diagnosePhoto(page, photo);
    expect(await textOf(page.getByTestId('bundle-version'))).toBe('Model version 1.1.0');
    await context.setOffline(false);

    // A full update: the backbone comes too; its download breaks half way and resumes from the offset.
    await publish('1.2.0');
    const backbone = manifest('1.2.0').models.backbone?.file as string;
    proxy.cutNext(backbone);
    const mark = proxy.hits.length;
    await page.goto(new URL('#/settings', app.url).href);
    await page.getByTestId('check-model').click();
    await visible(installed('1\\.2\\.0'), 30_000);
    const tries = proxy.hits.slice(mark).filter((h) => h.path.endsWith(backbone));
    const full = size('1.2.0', backbone);
    expect(tries.map((h) => [h.status, h.range ?? null])).toEqual([
      [200, null],
      [206, `bytes=${full >> 1}-`],
    ]);
    expect(tries.reduce((n, h) => n + h.bytes, 0)).toBe(full);
    expect(proxy.hits.slice(mark).some((h) => h.path.endsWith(heads))).toBe(false); // already held

    // Go back to the previous model; it sticks across a reload.
    await page.getByTestId('previous-model').click();
    await visible(page.getByText('Now using model 1.1.0 again'));
    await page.reload();
    expect(await textOf(page.getByTestId('settings-bundle'))).toBe('Model version 1.1.0');
    await context.close();
  });
});
