// Node-only helpers: bundles on disk and the local signing key. Browser code imports index.ts only.
import { chmodSync, constants, existsSync, mkdirSync, readFileSync, type Stats, writeFileSync } from 'node:fs';
import { type FileHandle, lstat, open, readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { sha256Hex } from './bytes.ts';
import { contentAddressedName } from './chain.ts';
import { BundleError } from './errors.ts';
import { validateManifest } from './manifest.ts';
import type { BundleManifest } from './manifest.types.ts';
import { generateKeyPair, signManifest, type TrustedKey } from './signature.ts';
import { DEFAULT_TRUSTED_KEYS } from './trusted-keys.ts';
import type { BundleSource } from './verify.ts';

/** What a bundle file on disk may be: a regular file, or a symlink to one inside the bundle. */
function refuseNonRegular(name: string, stats: Stats): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) throw new BundleError('FILE_IS_DIRECTORY', `${name} is a directory, not a file`, name);
  if (stats.isFIFO()) throw new BundleError('FILE_IS_FIFO', `${name} is a named pipe, not a file`, name);
  if (stats.isCharacterDevice() || stats.isBlockDevice()) {
    throw new BundleError('FILE_IS_DEVICE', `${name} is a device, not a file`, name);
  }
  throw new BundleError('FILE_NOT_REGULAR', `${name} is not a regular file`, name);
}

/** The real path of a bundle file; a symlink may point at another file of the bundle, never outside it. */
async function resolveInside(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  if (!(await lstat(path)).isSymbolicLink()) return path;
  const [root, target] = await Promise.all([realpath(dir), realpath(path)]);
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new BundleError('FILE_OUTSIDE_BUNDLE', `${name} is a symlink that leads outside the bundle`, name);
  }
  return target;
}

/** Reads at most `maxBytes` from an open file: enough to tell "too long" without reading an endless file. */
async function readBounded(file: FileHandle, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < maxBytes) {
    const chunk = new Uint8Array(Math.min(READ_CHUNK_BYTES, maxBytes - total));
    const { bytesRead } = await file.read(chunk, 0, chunk.byteLength, total);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return data;
}

const READ_CHUNK_BYTES = 1 << 20;

/**
 * A bundle directory on disk. Only regular files are read (a symlink only to a file inside the bundle),
 * and never more than `maxBytes`, so a symlink to /dev/zero, a FIFO or a huge file cannot hang or exhaust memory.
 */
export function dirSource(dir: string): BundleSource {
  return {
    async read(name, maxBytes = Number.POSITIVE_INFINITY) {
      // Names come from the manifest, which the schema limits to plain file names; refuse anything else.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return null;
      let file: FileHandle;
      try {
        const path = await resolveInside(dir, name);
        refuseNonRegular(name, await stat(path));
        // O_NONBLOCK: opening a FIFO swapped in after the check must not wait for a writer; O_NOFOLLOW: nor a new symlink.
        file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
          throw new BundleError('FILE_OUTSIDE_BUNDLE', `${name} changed into a symlink while it was read`, name);
        }
        throw err;
      }
      try {
        refuseNonRegular(name, await file.stat());
        return await readBounded(file, maxBytes);
      } finally {
        await file.close();
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
  for (const model of Object.values(full.models)) {
    const before = model.sha256;
    Object.assign(model, await ref(model.file));
    // The recorded self-test answers belong to the old weights (only the trainer can record new ones).
    if (model.sha256 !== before) delete full.selfTest;
  }
  for (const name of Object.keys(full.files)) full.files[name] = await ref(name);
  const signed = signManifest(validateManifest(full), privateKeyHex);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(signed, null, 2)}\n`);
  return signed;
}

/**
 * The chained layout: writes the backbone and heads files into `dir` under their content-addressed names, points
 * the manifest at them (manifest.models.backbone must be present) and signs it with writeSignedBundle.
 */
export async function writeChainedBundle(
  dir: string,
  manifest: BundleManifest,
  models: { backbone: Uint8Array; heads: Uint8Array },
  privateKeyHex: string,
): Promise<BundleManifest> {
  const full: BundleManifest = structuredClone(manifest);
  if (!full.models.backbone) throw new Error('writeChainedBundle needs manifest.models.backbone');
  const backbone = contentAddressedName('backbone', await sha256Hex(models.backbone));
  const heads = contentAddressedName('heads', await sha256Hex(models.heads));
  writeFileSync(join(dir, backbone), models.backbone);
  writeFileSync(join(dir, heads), models.heads);
  full.models.backbone.file = backbone;
  full.models.species.file = heads;
  full.models.disease.file = heads;
  return writeSignedBundle(dir, full, privateKeyHex);
}
