// Rollback protection for the CLI, as on the phone: a bundle older than the newest this machine has verified
// from the same signing key is refused, unless the bundle folder carries a signed rollback statement
// (rollback.json, as the API's channel rollback issues it) naming that exact bundle.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions, type TrustedKey, type VerifiedBundle, verifyBundle } from '@leafcheck/bundle';
import { dirSource, leafcheckHome } from '@leafcheck/bundle/node';

/** $LEAFCHECK_HOME/verified-bundles.json: the highest version verified per signing key. */
export function verifiedStatePath(): string {
  return join(leafcheckHome(), 'verified-bundles.json');
}

function readState(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(verifiedStatePath(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function keyIdOf(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { signature?: { keyId?: string } }).signature?.keyId ?? null;
  } catch {
    return null; // verifyBundle reports what is wrong with the manifest
  }
}

export async function verifyWithRollbackProtection(dir: string, trusted: readonly TrustedKey[]): Promise<VerifiedBundle> {
  const state = readState();
  const keyId = keyIdOf(dir);
  const highestVerified = keyId ? (state[keyId] ?? null) : null;
  let rollback: string | undefined;
  try {
    rollback = readFileSync(join(dir, 'rollback.json'), 'utf8');
  } catch {
    rollback = undefined;
  }
  const bundle = await verifyBundle(dirSource(dir), trusted, {
    rollback: { highestVerified, ...(rollback !== undefined ? { rollback } : {}) },
  });
  const version = bundle.manifest.bundleVersion;
  const signer = bundle.signedBy.keyId;
  const known = state[signer];
  if (!known || compareVersions(version, known) > 0) {
    state[signer] = version;
    mkdirSync(leafcheckHome(), { recursive: true });
    const tmp = `${verifiedStatePath()}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, verifiedStatePath());
  }
  return bundle;
}
