// The page side of model updates: wires shared/update.ts to the API settings, IndexedDB, Cache Storage and
// the inference worker; checks at start, when signal comes back and every few hours; tells the settings screen.
import { type BundleManifest, DEFAULT_TRUSTED_KEYS } from '@leafcheck/bundle';
import { cacheFileStore } from '../../../../../../workers/inference/src/file-store.ts';
import { BUNDLE_BASE_URL, switchBundle } from '../../../lib/inference.ts';
import { deviceId, loadSettings } from '../../../lib/settings.ts';
import { bundleFiles, goBack, type InstalledBundle, type RollbackProof, runUpdate, type UpdateOutcome } from '../shared/update.ts';
import { loadModelState, saveModelState } from './choice.ts';

const CHECK_EVERY_MS = 6 * 60 * 60 * 1000;
/** __BUNDLE_VERSION__ is the embedded bundle's version plus 8 hex digits of its manifest hash (a cache name). */
export const EMBEDDED_VERSION = __BUNDLE_VERSION__.replace(/-[0-9a-f]{8}$/, '');

interface Connection {
  saveData?: boolean;
  effectiveType?: string;
  type?: string;
}

/** Metered or slow: Save-Data on, a 2G/3G estimate, or a cellular link. */
export function meteredOrSlow(connection: Connection | undefined): boolean {
  if (!connection) return false;
  return connection.saveData === true || ['slow-2g', '2g', '3g'].includes(connection.effectiveType ?? '') || connection.type === 'cellular';
}

type Listener = (event: { running: boolean; outcome?: UpdateOutcome }) => void;
const listeners = new Set<Listener>();
let running: Promise<UpdateOutcome> | null = null;

export function onModelUpdate(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The embedded bundle's files by sha256 (answered by the service worker's cache, offline too). */
async function embeddedCopy(sha256: string): Promise<Uint8Array | null> {
  try {
    const manifest = (await (await fetch(new URL('manifest.json', BUNDLE_BASE_URL))).json()) as BundleManifest;
    const name = Object.entries(bundleFiles(manifest)).find(([, f]) => f.sha256 === sha256)?.[0];
    if (!name) return null;
    const res = await fetch(new URL(name, BUNDLE_BASE_URL));
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

const activate = async (bundle: InstalledBundle, rollback?: RollbackProof) => {
  await switchBundle(bundle.source === 'downloaded' ? { files: bundle.files, ...(rollback ? { rollback } : {}) } : {});
};

/**
 * One check. `confirm` answers "download N bytes?" when the connection is metered or slow; the settings screen
 * passes its own dialog, the background check says no (the farmer decides in settings).
 */
export function checkForModelUpdate(confirm: (bytes: number) => Promise<boolean> = async () => false): Promise<UpdateOutcome> {
  // One check at a time; a check asked for while one runs starts after it (it may see a newer assignment).
  const previous = running?.catch(() => undefined) ?? Promise.resolve();
  const mine: Promise<UpdateOutcome> = previous.then(async () => {
    for (const l of listeners) l({ running: true });
    const settings = await loadSettings();
    const outcome = await runUpdate({
      apiBase: settings.apiBase,
      channel: settings.modelChannel,
      deviceId: await deviceId(),
      fetch: (input, init) => fetch(input, init),
      store: cacheFileStore(location.origin),
      loadState: loadModelState,
      saveState: saveModelState,
      trusted: [...DEFAULT_TRUSTED_KEYS, ...__EXTRA_TRUSTED_KEYS__],
      embeddedVersion: EMBEDDED_VERSION,
      confirmDownload: async (bytes) =>
        meteredOrSlow((navigator as Navigator & { connection?: Connection }).connection) ? confirm(bytes) : true,
      activate,
      localCopy: embeddedCopy,
    });
    for (const l of listeners) l({ running: false, outcome });
    return outcome;
  });
  running = mine;
  mine
    .finally(() => {
      if (running === mine) running = null;
    })
    .catch(() => undefined);
  return mine;
}

/** "Go back to the previous model". */
export function goBackToPreviousModel(): Promise<InstalledBundle | null> {
  return goBack({ loadState: loadModelState, saveState: saveModelState, activate: (b) => activate(b) });
}

/** At app start, when signal comes back, and every few hours while the app is open. */
export function startModelUpdateChecks(): void {
  const check = () => {
    if (navigator.onLine) void checkForModelUpdate().catch(() => undefined);
  };
  check();
  window.addEventListener('online', check);
  setInterval(check, CHECK_EVERY_MS);
}
