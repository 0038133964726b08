// The Hub registry against a local server speaking the Hub's HTTP contract (the only mock: the Hub is unreachable here).
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleManifest, generateKeyPair } from '@leafcheck/bundle';
import { dirSource, writeSignedBundle } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { REPO_ROOT } from '../src/env.ts';
import { hubRegistry } from '../src/registry/hub-registry.ts';
import { type HubMock, startHubMock } from './hub-mock.ts';

const key = generateKeyPair();
const trusted = [{ keyId: key.keyId, publicKeyHex: key.publicKeyHex }];
let tmp: string;
let hub: HubMock;

async function bundleAs(version: string, card?: string, metrics?: Record<string, number>): Promise<string> {
  const dir = await mkdtemp(join(tmp, 'b-'));
  await cp(join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts'), dir, { recursive: true });
  if (card) await writeFile(join(dir, 'model-card.md'), card);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  await writeSignedBundle(dir, { ...manifest, bundleVersion: version, ...(metrics ? { metrics } : {}) }, key.privateKeyHex);
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'leafcheck-hub-'));
  hub = await startHubMock('leafcheck/bundles', 'hf_test_token');
});
afterAll(async () => {
  await hub.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('Hub registry', () => {
  it('publishes a verified bundle in one commit, model files through LFS, and reads it back', async () => {
    const registry = hubRegistry({ repo: 'leafcheck/bundles', accessToken: 'hf_test_token', hubUrl: hub.url, trusted });
    const dir = await bundleAs('1.0.0');
    const published = await registry.publish(dirSource(dir));
    expect(published).toMatchObject({ version: '1.0.0', keyId: key.keyId });
    expect(hub.commits).toEqual([
      {
        summary: 'Publish bundle 1.0.0',
        paths: expect.arrayContaining(['1.0.0/manifest.json', '1.0.0/species.onnx', '1.0.0/disease.onnx', '1.0.0/published.json']),
      },
    ]);
    const speciesOid = createHash('sha256')
      .update(await readFile(join(dir, 'species.onnx')))
      .digest('hex');
    expect(hub.requests).toContain(`PUT /lfs-upload/${speciesOid}`);
    expect(await registry.read('1.0.0', 'species.onnx')).toEqual(new Uint8Array(await readFile(join(dir, 'species.onnx'))));
    expect(await registry.read('1.0.0', 'nope.onnx')).toBeNull();
    await registry.publish(dirSource(await bundleAs('1.2.0')));
    expect((await registry.list()).map((b) => b.version)).toEqual(['1.2.0', '1.0.0']);
  });

  it('keeps versions immutable and refuses unverified bundles before uploading', async () => {
    const registry = hubRegistry({ repo: 'leafcheck/bundles', accessToken: 'hf_test_token', hubUrl: hub.url, trusted });
    const commits = hub.commits.length;
    expect((await registry.publish(dirSource(await bundleAs('1.0.0')))).version).toBe('1.0.0');
    await expect(registry.publish(dirSource(await bundleAs('1.0.0', '# changed\n')))).rejects.toThrow(
      /already published with different content/,
    );
    const untrusted = hubRegistry({ repo: 'leafcheck/bundles', accessToken: 'hf_test_token', hubUrl: hub.url, trusted: [] });
    await expect(untrusted.publish(dirSource(await bundleAs('9.0.0')))).rejects.toThrow(/trust/);
    expect(hub.commits.length).toBe(commits);
  });

  it('gates against the newest bundle on the Hub: a worse one is refused before any upload', async () => {
    const registry = hubRegistry({ repo: 'leafcheck/bundles', accessToken: 'hf_test_token', hubUrl: hub.url, trusted });
    const commits = hub.commits.length;
    await expect(registry.publish(dirSource(await bundleAs('1.3.0', undefined, { 'disease.top1': 0.2 })))).rejects.toThrow(
      /1\.3\.0 failed the promotion gate against 1\.2\.0: primary-metric disease\.top1/,
    );
    expect(hub.commits.length).toBe(commits);
    const published = await registry.publish(dirSource(await bundleAs('1.3.0', undefined, { 'disease.top1': 0.3 })));
    expect(published.gate).toMatchObject({ pass: true, currentVersion: '1.2.0' });
    const stored = JSON.parse(hub.files.get('1.3.0/published.json')?.toString() ?? '{}') as { gate: unknown };
    expect(stored.gate).toEqual(published.gate);
  });

  it('is what the CLI publishes to when LEAFCHECK_HF_REPO and HF_TOKEN are set', async () => {
    const saved = { ...process.env };
    try {
      await mkdir(join(tmp, 'home'), { recursive: true });
      await writeFile(join(tmp, 'home', 'signing-key.json'), JSON.stringify(key));
      Object.assign(process.env, {
        LEAFCHECK_HOME: join(tmp, 'home'),
        LEAFCHECK_BUNDLE_DIR: join(tmp, 'no-embedded-bundle'), // the first publish is not gated against bundles/default here
        LEAFCHECK_HF_REPO: 'leafcheck/bundles',
        HF_TOKEN: 'hf_test_token',
        HF_ENDPOINT: hub.url,
      });
      const lines: string[] = [];
      expect(await runCli(['bundle', 'publish', await bundleAs('3.0.0', undefined, { 'disease.top1': 0.3 })], (l) => lines.push(l))).toBe(
        0,
      );
      expect(lines[0]).toMatch(/^published bundle 3\.0\.0/);
      expect(hub.commits.at(-1)?.summary).toBe('Publish bundle 3.0.0');
    } finally {
      process.env = saved;
    }
  });

  it('reports a refused token', async () => {
    const registry = hubRegistry({ repo: 'leafcheck/bundles', accessToken: 'wrong', hubUrl: hub.url, trusted });
    await expect(registry.read('1.0.0', 'manifest.json')).rejects.toThrow(/401/);
    await expect(registry.publish(dirSource(await bundleAs('2.0.0')))).rejects.toThrow();
  });
});
