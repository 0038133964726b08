// The CLI refuses a bundle older than the newest it has verified from the same key, unless rollback.json names it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleManifest, generateKeyPair, sha256Hex, signRollbackStatement } from '@leafcheck/bundle';
import { writeSignedBundle } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../src/node-platform.ts';
import { FIXTURE_BUNDLE } from './setup.ts';

const key = generateKeyPair();
const trust = [{ keyId: key.keyId, publicKeyHex: key.publicKeyHex }];
let dir: string;
const saved = process.env.LEAFCHECK_HOME;

async function bundleAs(version: string): Promise<string> {
  const out = mkdtempSync(join(dir, `b-${version}-`));
  cpSync(FIXTURE_BUNDLE, out, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as BundleManifest;
  await writeSignedBundle(out, { ...manifest, bundleVersion: version }, key.privateKeyHex);
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leafcheck-cli-rollback-'));
  process.env.LEAFCHECK_HOME = join(dir, 'home');
});
afterAll(() => {
  if (saved === undefined) delete process.env.LEAFCHECK_HOME;
  else process.env.LEAFCHECK_HOME = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('CLI rollback protection', () => {
  it('refuses an older bundle after a newer one verified, and accepts it with a signed rollback.json', async () => {
    const [older, newer] = [await bundleAs('1.0.0'), await bundleAs('1.1.0')];
    expect((await loadBundle(older, trust)).manifest.bundleVersion).toBe('1.0.0');
    expect((await loadBundle(newer, trust)).manifest.bundleVersion).toBe('1.1.0');
    await expect(loadBundle(older, trust)).rejects.toMatchObject({
      code: 'ROLLBACK_REFUSED',
      message: 'bundle 1.0.0 is older than 1.1.0, which this device has already verified, and no signed rollback statement names it',
    });
    const statement = signRollbackStatement(
      {
        formatVersion: 1,
        kind: 'leafcheck-rollback',
        channel: 'stable',
        fromVersion: '1.1.0',
        toVersion: '1.0.0',
        toManifestSha256: await sha256Hex(new Uint8Array(readFileSync(join(older, 'manifest.json')))),
        issuedAt: '2026-12-03T13:00:00Z',
        issuedBy: 'cli test',
      },
      key.privateKeyHex,
    );
    writeFileSync(join(older, 'rollback.json'), JSON.stringify(statement));
    expect((await loadBundle(older, trust)).manifest.bundleVersion).toBe('1.0.0');
    // The highest stays 1.1.0: a rollback does not lower the bar for other old bundles.
    const state = JSON.parse(readFileSync(join(dir, 'home', 'verified-bundles.json'), 'utf8'));
    expect(state[key.keyId]).toBe('1.1.0');
  });
});
