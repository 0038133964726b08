// Over-the-air model updates: ask the API which bundle this device should run, download only the files the
// phone does not hold (by sha256), resume a broken download from where it stopped (HTTP Range + If-Range),
// verify everything (sha256, Ed25519, rollback protection) before anything runs it, let the worker load and
// self-test it in new sessions, and only then switch; the previous bundle stays for "go back".
// No DOM: the page runs it, and the tests run it in Node against the real API.
import {
  BundleError,
  type BundleManifest,
  compareVersions,
  parseManifest,
  sha256Hex,
  type TrustedKey,
  type VerifiedBundle,
  verifyBundle,
} from '@leafcheck/bundle';
import { type FileStore, storeSource } from '../../../../../../workers/inference/src/file-store.ts';
import type { InstalledBundle, ModelState } from './state.ts';

export { EMPTY_STATE, type InstalledBundle, type ModelState } from './state.ts';

export interface Assignment {
  channel: string;
  version: string | null;
  manifestSha256: string | null;
  bundleUrl: string | null;
  cohort: number;
  rollback: unknown;
}

export type UpdateOutcome =
  | { kind: 'up-to-date'; version: string | null }
  | { kind: 'needs-consent'; version: string; bytes: number }
  | { kind: 'updated'; version: string; from: string | null; downloadedBytes: number }
  | { kind: 'refused'; version: string; code: string; message: string }
  | { kind: 'storage-full'; version: string; message: string }
  | { kind: 'offline'; message: string };

export interface UpdateDeps {
  apiBase: string;
  channel: string;
  deviceId: string;
  fetch: typeof fetch;
  store: FileStore;
  loadState(): Promise<ModelState>;
  saveState(state: ModelState): Promise<void>;
  trusted: readonly TrustedKey[];
  /** The embedded bundle's version: the device has verified it by running it. */
  embeddedVersion: string;
  /** Asked before downloading more than askAboveBytes (the page asks only on a metered or slow connection); true: go ahead. */
  confirmDownload(bytes: number): Promise<boolean>;
  /** Default ASK_ABOVE_BYTES (1 MB). */
  askAboveBytes?: number;
  /**
   * Loads the verified bundle in new sessions, self-tests it and switches to it; throws (and keeps the old one) if not.
   * `proof` is what let an older version through, for the worker's own rollback check.
   */
  activate(bundle: InstalledBundle, proof?: RollbackProof): Promise<void>;
  /**
   * Bytes the phone already holds outside the store (the embedded bundle, cached by the service worker), by sha256;
   * null when it has none. Checked before anything is downloaded.
   */
  localCopy?: (sha256: string) => Promise<Uint8Array | null>;
  now?: () => Date;
  /** Tries per file when a download breaks off (each resumes where the last stopped). */
  attempts?: number;
}

export interface RollbackProof {
  highestVerified: string | null;
  rollback?: unknown;
}

export const ASK_ABOVE_BYTES = 1024 * 1024;

/** Every file a manifest names (a shared graph or the heads file once), manifest.json excluded. */
export function bundleFiles(manifest: BundleManifest): Record<string, { sha256: string; bytes: number }> {
  const out: Record<string, { sha256: string; bytes: number }> = {};
  for (const m of Object.values(manifest.models)) out[m.file] = { sha256: m.sha256, bytes: m.bytes };
  for (const [name, ref] of Object.entries(manifest.files)) out[name] = ref;
  return out;
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** Downloads one file into the store, resuming a partial one with Range; returns the bytes that came over the wire. */
async function download(deps: UpdateDeps, url: string, sha256: string, size: number): Promise<number> {
  let received = 0;
  const attempts = deps.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const have = (await deps.store.getPartial(sha256)) ?? new Uint8Array(0);
    const headers: Record<string, string> = have.byteLength > 0 ? { range: `bytes=${have.byteLength}-`, 'if-range': `"${sha256}"` } : {};
    const chunks: Uint8Array[] = [have];
    let got = have.byteLength;
    try {
      const res = await deps.fetch(url, { headers, cache: 'no-store' });
      if (res.status !== 200 && res.status !== 206) throw new Error(`HTTP ${res.status} for ${url}`);
      if (res.status === 200) {
        chunks.length = 0; // the server sent the whole file (no range support, or the file changed)
        got = 0;
      }
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        got += value.byteLength;
        received += value.byteLength;
        if (got > size) throw new BundleError('FILE_SIZE_MISMATCH', `${url} is longer than the ${size} bytes the manifest says`);
      }
    } catch (error) {
      if (error instanceof BundleError) throw error;
      // Keep what arrived: the next attempt (now, or at the next check) asks only for the rest.
      await deps.store.putPartial(sha256, concat(chunks, got));
      if (attempt >= attempts) throw error;
      continue;
    }
    const bytes = concat(chunks, got);
    await deps.store.deletePartial(sha256);
    if (bytes.byteLength !== size || (await sha256Hex(bytes)) !== sha256) {
      throw new BundleError('FILE_HASH_MISMATCH', `${url} does not have the sha256 and size the signed manifest gives`);
    }
    await deps.store.put(sha256, bytes);
    return received;
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function metaOf(verified: VerifiedBundle, files: Record<string, string>, channel: string, sha: string, now: Date): InstalledBundle {
  const card = new TextDecoder().decode(verified.files.get('model-card.md') ?? new Uint8Array());
  return {
    version: verified.manifest.bundleVersion,
    source: 'downloaded',
    manifestSha256: sha,
    files,
    installedAt: now.toISOString(),
    channel,
    notes: card
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 6)
      .join('\n')
      .slice(0, 600),
  };
}

/** One update check: returns what happened; the state changes only when a verified, self-tested bundle took over. */
export async function runUpdate(deps: UpdateDeps): Promise<UpdateOutcome> {
  const now = deps.now ?? (() => new Date());
  const state = await deps.loadState();
  const base = deps.apiBase.replace(/\/+$/, '');
  let assignment: Assignment;
  try {
    // no-cache: always revalidate (If-None-Match -> a cheap 304), never trust a minute-old answer after a rollout.
    const url = `${base}/v1/channels/${deps.channel}/assignment?device=${encodeURIComponent(deps.deviceId)}`;
    const res = await deps.fetch(url, { cache: 'no-cache' });
    if (!res.ok) return { kind: 'offline', message: `the update server answered HTTP ${res.status}` };
    assignment = (await res.json()) as Assignment;
  } catch (error) {
    return { kind: 'offline', message: (error as Error).message };
  }
  await deps.saveState({ ...state, lastCheckAt: now().toISOString() });
  const version = assignment.version;
  const running = state.current?.version ?? deps.embeddedVersion;
  if (!version || !assignment.bundleUrl || !assignment.manifestSha256) return { kind: 'up-to-date', version: running };
  if (state.current?.manifestSha256 === assignment.manifestSha256) return { kind: 'up-to-date', version };
  if (!state.current && version === deps.embeddedVersion) return { kind: 'up-to-date', version };
  if (version === state.skipVersion) return { kind: 'up-to-date', version: running };
  const highestVerified = [state.highestVerified, deps.embeddedVersion]
    .filter((v): v is string => v !== null)
    .sort(compareVersions)
    .pop() as string;
  const fileUrl = (name: string) => new URL(`${assignment.bundleUrl}${name}`, `${base}/`).href;
  try {
    // The manifest is tiny; it must be the one the API assigned before anything it names is fetched.
    const manifestRes = await deps.fetch(fileUrl('manifest.json'), { cache: 'no-store' });
    if (!manifestRes.ok) return { kind: 'offline', message: `manifest.json: HTTP ${manifestRes.status}` };
    const manifestBytes = new Uint8Array(await manifestRes.arrayBuffer());
    const manifestSha = await sha256Hex(manifestBytes);
    if (manifestSha !== assignment.manifestSha256) {
      throw new BundleError('FILE_HASH_MISMATCH', `manifest.json of ${version} is not the one the update server assigned`, 'manifest.json');
    }
    const manifest = parseManifest(new TextDecoder().decode(manifestBytes));
    const wanted = bundleFiles(manifest);
    const missing: [string, { sha256: string; bytes: number }][] = [];
    for (const entry of Object.entries(wanted)) {
      const { sha256 } = entry[1];
      if ((await deps.store.get(sha256)) !== null) continue;
      const local = (await deps.localCopy?.(sha256)) ?? null;
      if (local && (await sha256Hex(local)) === sha256) await deps.store.put(sha256, local);
      else missing.push(entry);
    }
    const bytes = missing.reduce((n, [, f]) => n + f.bytes, 0);
    if (bytes > (deps.askAboveBytes ?? ASK_ABOVE_BYTES) && !(await deps.confirmDownload(bytes))) {
      return { kind: 'needs-consent', version, bytes };
    }
    let downloadedBytes = manifestBytes.byteLength;
    for (const [name, f] of missing) downloadedBytes += await download(deps, fileUrl(name), f.sha256, f.bytes);
    await deps.store.put(manifestSha, manifestBytes);
    const files = { 'manifest.json': manifestSha, ...Object.fromEntries(Object.entries(wanted).map(([n, f]) => [n, f.sha256])) };
    const proof: RollbackProof = { highestVerified, rollback: assignment.rollback ?? undefined };
    const verified = await verifyBundle(storeSource(files, deps.store), deps.trusted, { rollback: proof });
    const installed = metaOf(verified, files, deps.channel, manifestSha, now());
    await deps.activate(installed, proof); // new sessions + self-test; throws and keeps the old bundle if it fails
    const previous = state.current ?? embeddedEntry(deps.embeddedVersion, now());
    const newest = compareVersions(version, highestVerified) > 0 ? version : highestVerified;
    await deps.saveState({ current: installed, previous, highestVerified: newest, lastCheckAt: now().toISOString() });
    await deps.store.keepOnly(new Set([...Object.values(installed.files), ...Object.values(previous.files)]));
    return { kind: 'updated', version, from: running, downloadedBytes };
  } catch (error) {
    if (isQuotaError(error)) {
      return { kind: 'storage-full', version, message: 'not enough storage on this phone for the new model; the current one stays' };
    }
    if (error instanceof BundleError) return { kind: 'refused', version, code: error.code, message: error.message };
    const named = error as Error;
    if (named?.name && named.name !== 'Error' && named.name !== 'TypeError') {
      return { kind: 'refused', version, code: named.name, message: named.message };
    }
    return { kind: 'offline', message: named?.message ?? String(error) };
  }
}

export function embeddedEntry(version: string, now: Date): InstalledBundle {
  return { version, source: 'embedded', manifestSha256: null, files: {}, installedAt: now.toISOString(), channel: null, notes: '' };
}

/** "Go back to the previous model": the previous bundle (already verified, still stored) takes over again. */
export async function goBack(deps: Pick<UpdateDeps, 'loadState' | 'saveState' | 'activate'>): Promise<InstalledBundle | null> {
  const state = await deps.loadState();
  if (!state.previous) return null;
  await deps.activate(state.previous);
  await deps.saveState({ ...state, current: state.previous, previous: state.current, skipVersion: state.current?.version ?? null });
  return state.previous;
}
