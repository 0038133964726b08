import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleManifest, generateKeyPair } from '@leafcheck/bundle';
import { loadOrCreateLocalKey, writeSignedBundle } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { openDb } from '../src/db/connect.ts';
import { createTokenStore } from '../src/db/token-store.ts';
import { REPO_ROOT } from '../src/env.ts';
import { otaBundle } from './ota-bundles.ts';

describe('token CLI', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leafcheck-cli-'));
    process.env.LEAFCHECK_DB = join(dir, 'cli.db');
    // No embedded default to gate the first publish against (channels.test.ts tests that gate).
    process.env.LEAFCHECK_BUNDLE_DIR = join(dir, 'no-embedded-bundle');
    delete process.env.DATABASE_URL;
  });
  afterAll(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, (l) => lines.push(l));
    return { code, lines };
  };

  it('issues, lists and revokes tokens that the API then accepts or refuses', async () => {
    const issued = await run('token', 'issue', '--role', 'agronomist', '--name', 'Dr. A');
    expect(issued.code).toBe(0);
    const token = issued.lines[1] as string;
    expect(token).toMatch(/^lc_agronomist_[0-9a-f]{12}_/);
    const id = token.split('_')[2] as string;
    const opened = await openDb({ kind: 'sqlite', path: process.env.LEAFCHECK_DB as string });
    try {
      const tokens = createTokenStore(opened.db);
      expect(await tokens.verify(token)).toMatchObject({ id, role: 'agronomist', name: 'Dr. A' });
      const listed = await run('token', 'list');
      expect(listed.lines.join('\n')).toContain(`${id}\tagronomist\tlive`);
      expect((await run('token', 'revoke', id)).code).toBe(0);
      // A running API caches verified tokens for TOKEN_CACHE_MS; a fresh store sees the revocation.
      expect(await createTokenStore(opened.db).verify(token)).toBeNull();
      expect((await run('token', 'revoke', id)).code).toBe(1);
    } finally {
      await opened.close();
    }
  });

  it("publishes a bundle signed by this machine's key and lists it; refuses a tampered one", async () => {
    const key = generateKeyPair();
    process.env.LEAFCHECK_HOME = join(dir, 'home');
    process.env.LEAFCHECK_REGISTRY = join(dir, 'registry');
    await cp(join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts'), join(dir, 'bundle'), { recursive: true });
    await mkdir(join(dir, 'home'), { recursive: true });
    await writeFile(join(dir, 'home', 'signing-key.json'), JSON.stringify(key));
    const manifest = JSON.parse(await readFile(join(dir, 'bundle', 'manifest.json'), 'utf8')) as BundleManifest;
    await writeSignedBundle(join(dir, 'bundle'), { ...manifest, bundleVersion: '5.0.0' }, key.privateKeyHex);
    expect(await run('bundle', 'publish', join(dir, 'bundle'))).toEqual({
      code: 0,
      lines: [
        expect.stringMatching(/^published bundle 5\.0\.0/),
        'promotion gate PASSED: 5.0.0 against nothing published',
        '  pass  first-bundle bundleVersion: – -> 5.0.0 (no bundle is published yet: nothing to compare against)',
      ],
    });
    expect((await run('bundle', 'list')).lines).toEqual([expect.stringMatching(/^5\.0\.0\t/)]);
    await writeFile(join(dir, 'bundle', 'advice.json'), '{}');
    const refused = await run('bundle', 'publish', join(dir, 'bundle'));
    expect(refused.code).toBe(1);
    expect(refused.lines[0]).toMatch(/^not published: .*advice\.json/);
  });

  it('prints the gate report: bundle gate against a directory or the registry, and a refused publish', async () => {
    // Uses the key and registry (5.0.0 published, disease.top1 0.25) of the test above.
    const key = JSON.parse(await readFile(join(dir, 'home', 'signing-key.json'), 'utf8')) as { privateKeyHex: string };
    const manifest = JSON.parse(
      await readFile(join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts/manifest.json'), 'utf8'),
    ) as BundleManifest;
    const signed = async (name: string, version: string, top1: number) => {
      await cp(join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts'), join(dir, name), { recursive: true });
      await writeSignedBundle(
        join(dir, name),
        { ...manifest, bundleVersion: version, metrics: { 'disease.top1': top1 } },
        key.privateKeyHex,
      );
      return join(dir, name);
    };
    const worse = await signed('worse', '5.1.0', 0.2);
    const better = await signed('better', '5.1.0', 0.3);
    const gated = await run('bundle', 'gate', better);
    expect(gated.code).toBe(0);
    expect(gated.lines[0]).toBe('promotion gate PASSED: 5.1.0 against 5.0.0');
    expect(gated.lines).toContain('  pass  primary-metric disease.top1: 0.2500 -> 0.3000 (not lower)');
    expect(await run('bundle', 'gate', better, worse)).toMatchObject({
      code: 1,
      lines: [
        'promotion gate FAILED: 5.1.0 against 5.1.0',
        expect.stringMatching(/FAIL {2}version/),
        expect.anything(),
        expect.anything(),
        expect.anything(),
      ],
    });
    const refused = await run('bundle', 'publish', worse);
    expect(refused.code).toBe(1);
    expect(refused.lines.slice(0, 3)).toEqual([
      'not published:',
      'promotion gate FAILED: 5.1.0 against 5.0.0',
      '  FAIL  primary-metric disease.top1: 0.2500 -> 0.2000 (dropped 5.00 points; the primary metric may not drop)',
    ]);
    expect((await run('bundle', 'list')).lines).toEqual([expect.stringMatching(/^5\.0\.0\t/)]);
  });

  it('refuses unknown roles and commands with usage', async () => {
    expect(await run('token', 'issue', '--role', 'admin')).toEqual({
      code: 2,
      lines: ['--role must be one of device, agronomist, maintainer'],
    });
    expect((await run('tokens')).code).toBe(2);
  });

  it('channel: publishes to a channel at a percentage, promotes, rolls back, and shows who did what', async () => {
    // A registry of its own (the tests above filled theirs); the same files the server uses.
    process.env.LEAFCHECK_REGISTRY = join(dir, 'channel-registry');
    process.env.LEAFCHECK_CHANNELS = join(dir, 'channels.json');
    const key = loadOrCreateLocalKey(join(dir, 'home', 'signing-key.json'));
    for (const version of ['1.0.0', '1.1.0']) {
      expect((await run('bundle', 'publish', await otaBundle(dir, key.privateKeyHex, { version }))).code).toBe(0);
    }
    expect(await run('channel', 'publish', 'stable', '1.0.0', '--percent', '100')).toEqual({ code: 0, lines: ['stable: 1.0.0'] });
    expect((await run('channel', 'publish', 'stable', '1.1.0', '--percent', '10')).lines).toEqual([
      'stable: 1.0.0, rolling out 1.1.0 to 10%',
    ]);
    expect(await run('channel', 'promote', 'stable', '5')).toEqual({
      code: 1,
      lines: ['refused: promote only widens a rollout (10% now); roll back to withdraw it'],
    });
    expect((await run('channel', 'rollback', 'stable', '--reason', 'field reports')).lines).toEqual([
      'stable: 1.0.0, rolled back from 1.1.0',
    ]);
    expect((await run('channel', 'publish', 'nightly', '1.1.0')).code).toBe(2);
    const shown = await run('channel', 'show');
    expect(shown.lines[0]).toBe('beta: nothing published (phones keep their embedded bundle)');
    expect(shown.lines.slice(2).map((l) => l.split('\t').slice(1, 4).join(' '))).toEqual([
      'stable publish 1.0.0 100%',
      'stable publish 1.1.0 10%',
      'stable rollback 1.0.0',
    ]);
    const file = JSON.parse(await readFile(join(dir, 'channels.json'), 'utf8'));
    expect(file.channels.stable.rollback).toMatchObject({ fromVersion: '1.1.0', toVersion: '1.0.0', reason: 'field reports' });
    expect(file.history[0].by).toMatch(/^cli:/);
  });
});
