// One sync run, the same from the page (online, start, "Send now") and the service worker (Background Sync).
// A Web Lock keeps the page and the worker from draining at the same time; the server is idempotent
// anyway, the lock only saves duplicate requests.
import { createSyncEngine, fetchTransport, type SyncReport } from '@leafcheck/sync';
import { getMeta, setMeta } from '../../../lib/db.ts';
import { loadSettings } from '../../../lib/settings.ts';
import { idbOutboxStore } from './idb-outbox-store.ts';

export interface LastSync {
  at: string;
  report: SyncReport;
}

export const BACKGROUND_SYNC_TAG = 'leafcheck-outbox';

/**
 * `maxAttempts`: the page retries a few times with backoff; the service worker tries twice and then
 * fails the sync event, so the browser reschedules it with its own backoff instead of the worker
 * holding the lock (and blocking "Send now") for minutes.
 */
export async function drainOutbox(options: { signal?: AbortSignal; maxAttempts?: number } = {}): Promise<SyncReport> {
  const { signal, maxAttempts = 6 } = options;
  const settings = await loadSettings();
  if (!settings.apiBase || !settings.deviceToken) {
    return {
      outcome: 'unauthorized',
      accepted: 0,
      duplicate: 0,
      rejected: 0,
      failures: 0,
      lastError: 'no server address or device key set',
    };
  }
  const engine = createSyncEngine({
    store: idbOutboxStore,
    transport: fetchTransport({ baseUrl: settings.apiBase, token: settings.deviceToken }),
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    maxAttempts,
  });
  const run = async () => {
    const report = await engine.sync(signal);
    if (report.accepted + report.duplicate + report.rejected > 0) {
      await setMeta('lastSync', { at: new Date().toISOString(), report } satisfies LastSync);
    }
    return report;
  };
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? locks.request('leafcheck-sync', run) : run();
}

export function lastSync(): Promise<LastSync | undefined> {
  return getMeta<LastSync>('lastSync');
}
