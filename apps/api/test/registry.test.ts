import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleManifest, generateKeyPair, type TrustedKey } from '@leafcheck/bundle';
import { dirSource, writeSignedBundle } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadBundleInfo } from '../src/bundle-info.ts';
import { openDb } from '../src/db/connect.ts';
import { createStorage } from '../src/db/storage.ts';
import { REPO_ROOT } from '../src/env.ts';
import { localPhotoStore } from '../src/photos/photo-store.ts';
import { localRegistry, PromotionRefusedError, type PublishedBundle } from '../src/registry/registry.ts';

const FIXTURE = join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts');
let tmp: string;
let fixtureKey: TrustedKey;
const ownKey = generateKeyPair();
const trusted = () => [fixtureKey, { keyId: ownKey.keyId, publicKeyHex: ownKey.publicKeyHex }];

/** A copy of the fixture re-signed as another version (and optionally another model card or metrics). */
async function bundleAs(version: string, modelCard?: string, metrics?: Record<string, number>): Promise<string> {
  const dir = await mkdtemp(join(tmp, 'b-'));
  await cp(FIXTURE, dir, { recursive: true });
  if (modelCard) await writeFile(join(dir, 'model-card.md'), modelCard);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  await writeSignedBundle(dir, { ...manifest, bundleVersion: version, ...(metrics ? { metrics } : {}) }, ownKey.privateKeyHex);
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'leafcheck-registry-'));
  fixtureKey = JSON.parse(await readFile(join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts.key.json'), 'utf8')) as TrustedKey;
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('bundle info', () => {
  it('reads labels, metrics and version from a verified bundle, and refuses an untrusted one', async () => {
    const info = await loadBundleInfo(FIXTURE, [fixtureKey]);
    expect(info.labels).toContain('Background_without_leaves');
    expect(info.labels).toContain('Tomato___Late_blight');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    await expect(loadBundleInfo(FIXTURE, [])).rejects.toThrow(/not trust|untrusted/i);
  });
});

describe('local registry', () => {
  it('publishes verified bundles, lists newest first and serves files', async () => {
    const registry = localRegistry(join(tmp, 'reg1'), trusted());
    await registry.publish(dirSource(FIXTURE));
    const first = await registry.publish(dirSource(await bundleAs('1.0.0')));
    expect(first).toMatchObject({ version: '1.0.0', keyId: ownKey.keyId });
    expect(first.files).toEqual(['advice.json', 'disease.onnx', 'manifest.json', 'model-card.md', 'species.onnx']);
    await registry.publish(dirSource(await bundleAs('1.1.0-rc.1')));
    expect((await registry.list()).map((b) => b.version)).toEqual([
      '1.1.0-rc.1',
      '1.0.0',
      (await loadBundleInfo(FIXTURE, [fixtureKey])).version,
    ]);
    const onnx = await registry.read('1.0.0', 'species.onnx');
    expect(onnx).toEqual(new Uint8Array(await readFile(join(FIXTURE, 'species.onnx'))));
    expect(await registry.read('1.0.0', 'published.json')).toBeNull();
    expect(await registry.read('1.0.0', '../1.1.0-rc.1/manifest.json')).toBeNull();
    expect(await registry.read('9.9.9', 'manifest.json')).toBeNull();
  });

  it('keeps versions immutable: same bytes is a no-op, other bytes are refused', async () => {
    const registry = localRegistry(join(tmp, 'reg2'), trusted());
    const dir = await bundleAs('2.0.0');
    const first = await registry.publish(dirSource(dir));
    expect(await registry.publish(dirSource(dir))).toEqual(first);
    await expect(registry.publish(dirSource(await bundleAs('2.0.0', '# another card\n')))).rejects.toThrow(
      /2\.0\.0 is already published with different content/,
    );
  });

  it('refuses a tampered or untrusted bundle and stores nothing', async () => {
    const registry = localRegistry(join(tmp, 'reg3'), trusted());
    const dir = await bundleAs('3.0.0');
    const onnx = await readFile(join(dir, 'disease.onnx'));
    onnx.writeUInt8(onnx.readUInt8(onnx.length - 1) ^ 1, onnx.length - 1);
    await writeFile(join(dir, 'disease.onnx'), onnx);
    await expect(registry.publish(dirSource(dir))).rejects.toThrow(/disease\.onnx/);
    await expect(localRegistry(join(tmp, 'reg3'), [fixtureKey]).publish(dirSource(await bundleAs('3.0.1')))).rejects.toThrow(/trust/);
    expect(await registry.list()).toEqual([]);
  });
});

describe('promotion gate on publish', () => {
  const metrics = { 'disease.top1': 0.9, 'species.top1': 0.95, 'ece.disease': 0.02 };
  const stored = async (dir: string, version: string) =>
    JSON.parse(await readFile(join(dir, version, 'published.json'), 'utf8')) as PublishedBundle;

  it('gates each candidate against the newest published bundle and records the report', async () => {
    const dir = join(tmp, 'reg-gate');
    const registry = localRegistry(dir, trusted());
    await registry.publish(dirSource(await bundleAs('1.0.0', undefined, metrics)));
    expect((await stored(dir, '1.0.0')).gate).toMatchObject({ pass: true, currentVersion: null, checks: [{ rule: 'first-bundle' }] });

    const better = await bundleAs('1.1.0', undefined, { ...metrics, 'disease.top1': 0.91, 'species.top1': 0.946 });
    expect((await registry.check(dirSource(better))).pass).toBe(true);
    const published = await registry.publish(dirSource(better));
    expect(published.gate).toMatchObject({ pass: true, candidateVersion: '1.1.0', currentVersion: '1.0.0' });
    expect((await stored(dir, '1.1.0')).gate?.checks.find((c) => c.subject === 'species.top1')).toMatchObject({
      current: 0.95,
      candidate: 0.946,
      pass: true,
    });
    // An already published version stays a no-op, though it is older than the newest.
    expect((await registry.publish(dirSource(await bundleAs('1.0.0', undefined, metrics)))).version).toBe('1.0.0');
  });

  it('refuses a worse, older or less evidenced candidate, lists every failed check, and stores nothing', async () => {
    const dir = join(tmp, 'reg-refuse');
    const registry = localRegistry(dir, trusted());
    await registry.publish(dirSource(await bundleAs('2.0.0', undefined, metrics)));
    const { 'ece.disease': _dropped, ...withoutEce } = metrics;
    const candidates: Array<[string, Record<string, number>, RegExp]> = [
      ['2.1.0', { ...metrics, 'disease.top1': 0.899 }, /primary-metric disease\.top1 \(dropped 0\.10 points/],
      ['2.1.0', { ...metrics, 'species.top1': 0.94, 'ece.disease': 0.04 }, /accuracy species\.top1 .*; calibration ece\.disease/],
      ['2.1.0', withoutEce, /calibration ece\.disease \(the current bundle reports it, the candidate does not\)/],
      ['1.9.0', metrics, /version bundleVersion \(1\.9\.0 is not newer than 2\.0\.0/],
    ];
    for (const [version, m, message] of candidates) {
      const error = await registry.publish(dirSource(await bundleAs(version, undefined, m))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PromotionRefusedError);
      expect((error as Error).message).toMatch(/^bundle \S+ failed the promotion gate against 2\.0\.0: /);
      expect((error as Error).message).toMatch(message);
      expect((error as PromotionRefusedError).report.pass).toBe(false);
    }
    expect((await registry.list()).map((b) => b.version)).toEqual(['2.0.0']);
  });
});

describe('bundle routes', () => {
  it('list published bundles and serve their files to anyone', async () => {
    const opened = await openDb({ kind: 'sqlite', path: join(tmp, 'routes.db') });
    try {
      const registry = localRegistry(join(tmp, 'reg4'), trusted());
      await registry.publish(dirSource(await bundleAs('4.0.0')));
      const app = createApp({
        storage: createStorage(opened.db),
        photos: localPhotoStore(join(tmp, 'ph')),
        llm: null,
        bundle: null,
        registry,
      });
      const list = (await (await app.request('/v1/bundles')).json()) as { latest: string; bundles: Array<{ version: string }> };
      expect(list.latest).toBe('4.0.0');
      const manifest = await app.request('/v1/bundles/4.0.0/manifest.json');
      expect(manifest.headers.get('cache-control')).toContain('immutable');
      expect(((await manifest.json()) as BundleManifest).bundleVersion).toBe('4.0.0');
      expect((await app.request('/v1/bundles/4.0.0/nope.onnx')).status).toBe(404);
      const empty = createApp({ storage: createStorage(opened.db), photos: localPhotoStore(join(tmp, 'ph')), llm: null, bundle: null });
      expect(await (await empty.request('/v1/bundles')).json()).toEqual({ latest: null, bundles: [] });
    } finally {
      await opened.close();
    }
  });
});
