import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/bytes.ts';
import { firstDuplicateKey } from '../src/duplicate-keys.ts';
import { BundleError } from '../src/errors.ts';
import { dirSource } from '../src/node.ts';
import { checkNotRolledBack, signRollbackStatement, verifyRollbackStatement } from '../src/rollback.ts';
import type { RollbackStatement } from '../src/rollback-statement.types.ts';
import { generateKeyPair } from '../src/signature.ts';
import { verifyBundle } from '../src/verify.ts';
import { FIXTURES, fixtureKey } from './fixtures.ts';

const maintainer = generateKeyPair();
const trusted = [{ keyId: maintainer.keyId, publicKeyHex: maintainer.publicKeyHex }];
const SHA = 'a'.repeat(64);

function statement(overrides: Partial<RollbackStatement> = {}, key = maintainer): RollbackStatement {
  return signRollbackStatement(
    {
      formatVersion: 1,
      kind: 'leafcheck-rollback',
      channel: 'stable',
      fromVersion: '1.5.0',
      toVersion: '1.4.0',
      toManifestSha256: SHA,
      issuedAt: '2026-12-03T12:00:00Z',
      issuedBy: 'maintainer-ana',
      reason: '1.5.0 misreads bean rust in the field',
      ...overrides,
    },
    key.privateKeyHex,
  );
}

function refusal(fn: () => void): BundleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BundleError) return err;
    throw err;
  }
  throw new Error('unexpectedly passed');
}

describe('rollback protection', () => {
  it('passes the first bundle, the same version and newer ones', () => {
    for (const highestVerified of [null, '1.4.0', '1.3.9', '1.4.0-rc.1']) {
      expect(() => checkNotRolledBack('1.4.0', SHA, { highestVerified, trusted })).not.toThrow();
    }
  });

  it('refuses an older version without a rollback statement', () => {
    const err = refusal(() => checkNotRolledBack('1.4.0', SHA, { highestVerified: '1.5.0', trusted }));
    expect(err.code).toBe('ROLLBACK_REFUSED');
    expect(err.message).toBe(
      'bundle 1.4.0 is older than 1.5.0, which this device has already verified, and no signed rollback statement names it',
    );
  });

  it('passes an older version that a signed statement names, as text or parsed', () => {
    const s = statement();
    expect(() => checkNotRolledBack('1.4.0', SHA, { highestVerified: '1.5.0', rollback: s, trusted })).not.toThrow();
    expect(() => checkNotRolledBack('1.4.0', SHA, { highestVerified: '1.5.0', rollback: JSON.stringify(s), trusted })).not.toThrow();
  });

  it('refuses a statement for another bundle, or one issued before the device moved on', () => {
    const other = refusal(() => checkNotRolledBack('1.4.0', 'b'.repeat(64), { highestVerified: '1.5.0', rollback: statement(), trusted }));
    expect([other.code, other.message]).toEqual([
      'ROLLBACK_REFUSED',
      expect.stringContaining('names 1.4.0 (manifest aaaaaaaaaaaa…), not this bundle'),
    ]);
    const replayed = refusal(() => checkNotRolledBack('1.4.0', SHA, { highestVerified: '1.6.0', rollback: statement(), trusted }));
    expect(replayed.message).toContain('was issued for 1.5.0, before this device verified 1.6.0');
  });

  it('refuses a statement that is unsigned, tampered with, signed by an unknown key, or has a duplicate key', () => {
    const check = (rollback: unknown) => refusal(() => checkNotRolledBack('1.4.0', SHA, { highestVerified: '1.5.0', rollback, trusted }));
    const { signature: _s, ...unsigned } = statement();
    expect(check(unsigned).code).toBe('ROLLBACK_STATEMENT_INVALID');
    expect(check({ ...statement(), fromVersion: '9.0.0' }).code).toBe('SIGNATURE_INVALID');
    expect(check(statement({}, generateKeyPair())).code).toBe('UNTRUSTED_KEY');
    const text = JSON.stringify(statement()).replace('"channel":"stable"', '"channel":"stable","channel":"beta"');
    const dup = check(text);
    expect([dup.code, dup.message]).toEqual([
      'ROLLBACK_STATEMENT_INVALID',
      'the rollback statement has the key "channel" twice in one object',
    ]);
  });

  it('verifyBundle applies it after the signature, before any model is read', async () => {
    const dir = join(FIXTURES, 'signed-by-python');
    const keys = [fixtureKey('signed-by-python'), ...trusted];
    const sha = await sha256Hex(new Uint8Array(readFileSync(join(dir, 'manifest.json'))));
    const version = '0.0.1-fixture';
    const refused = verifyBundle(dirSource(dir), keys, { rollback: { highestVerified: '0.0.2' } });
    await expect(refused).rejects.toMatchObject({ code: 'ROLLBACK_REFUSED' });
    const rollback = statement({ fromVersion: '0.0.2', toVersion: version, toManifestSha256: sha });
    const v = await verifyBundle(dirSource(dir), keys, { rollback: { highestVerified: '0.0.2', rollback } });
    expect(v.manifest.bundleVersion).toBe(version);
  });

  it('verifyRollbackStatement returns the parsed statement', () => {
    expect(verifyRollbackStatement(JSON.stringify(statement()), trusted).issuedBy).toBe('maintainer-ana');
  });
});

describe('firstDuplicateKey', () => {
  it.each([
    ['{"a":1,"b":2}', null],
    ['{"a":1,"a":2}', 'a'],
    ['{"a":{"x":1},"b":{"x":1}}', null],
    ['{"a":[{"x":1,"y":2},{"x":1,"x":3}]}', 'x'],
    ['{"a":"\\"a\\":1,\\"a\\"","b":1}', null],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['["a","a",{"k":["k","k"]}]', null],
  ])('%s -> %s', (text, expected) => {
    JSON.parse(text);
    expect(firstDuplicateKey(text)).toBe(expected);
  });
});
