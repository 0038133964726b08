// Node-only helpers: bundles on disk and the local signing key. Browser code imports index.ts only.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from './bytes.ts';
import { validateManifest } from './manifest.ts';
import type { BundleManifest } from './manifest.types.ts';
import { generateKeyPair, signManifest, type TrustedKey } from './signature.ts';
import { DEFAULT_TRUSTED_KEYS } from './trusted-keys.ts';
import type { BundleSource } from './verify.ts';

export function dirSource(dir: string): BundleSource {
  return {
    async read(name) {
      // Names come from the manifest, which the schema limits to plain file names; refuse anything else.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return null;
      try {
        return new Uint8Array(await readFile(join(dir, name)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}

export interface SigningKey {
  keyId: string;
  publicKeyHex: string;
  privateKeyHex: string;
}

/** Where this machine keeps its own signing key (never inside the repo). Shared with the Python trainer. */
export function leafcheckHome(): string {
  return process.env.LEAFCHECK_HOME ?? join(homedir(), '.leafcheck');
}

export function localKeyPath(): string {
  return join(leafcheckHome(), 'signing-key.json');
}

/** Loads this machine's signing key, creating it on first use. */
export function loadOrCreateLocalKey(path = localKeyPath()): SigningKey {
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as SigningKey;
  const key = generateKeyPair();
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

/** The app's shipped keys plus this machine's own key, if it has one. */
export function trustedKeysWithLocal(path = localKeyPath()): TrustedKey[] {
  const keys: TrustedKey[] = [...DEFAULT_TRUSTED_KEYS];
  if (existsSync(path)) {
    const { keyId, publicKeyHex } = JSON.parse(readFileSync(path, 'utf8')) as SigningKey;
    if (!keys.some((k) => k.keyId === keyId)) keys.push({ keyId, publicKeyHex, owner: 'this machine' });
  }
  return keys;
}

/**
 * Fills in the size and sha256 of every file already in `dir`, signs the manifest and writes
 * manifest.json. `manifest.files` only needs the names; their refs are recomputed.
 */
export async function writeSignedBundle(dir: string, manifest: BundleManifest, privateKeyHex: string): Promise<BundleManifest> {
  const ref = async (name: string) => {
    const data = new Uint8Array(await readFile(join(dir, name)));
    return { sha256: await sha256Hex(data), bytes: data.byteLength };
  };
  const full: BundleManifest = structuredClone(manifest);
  delete full.signature;
  for (const kind of ['species', 'disease'] as const) Object.assign(full.models[kind], await ref(full.models[kind].file));
  for (const name of Object.keys(full.files)) full.files[name] = await ref(name);
  const signed = signManifest(validateManifest(full), privateKeyHex);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(signed, null, 2)}\n`);
  return signed;
}
