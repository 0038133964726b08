// Page-side sync triggers: app start, the `online` event, "Send now", and after each new answer.
// Background Sync is registered too, so the browser can send later even when the app is closed.
import type { SyncReport } from '@leafcheck/sync';
import { BACKGROUND_SYNC_TAG, drainOutbox } from '../shared/drain.ts';

type Listener = (state: { running: boolean; report?: SyncReport }) => void;
const listeners = new Set<Listener>();
let running: Promise<SyncReport> | null = null;

export function onSyncChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function syncNow(): Promise<SyncReport> {
  if (running) return running;
  if (!navigator.onLine) {
    // No request can succeed; the `online` event and Background Sync will start the next run.
    const report: SyncReport = { outcome: 'gave-up', accepted: 0, duplicate: 0, rejected: 0, failures: 0, lastError: 'no network' };
    for (const l of listeners) l({ running: false, report });
    return Promise.resolve(report);
  }
  for (const l of listeners) l({ running: true });
  running = drainOutbox()
    .catch(
      (error: unknown): SyncReport => ({
        outcome: 'gave-up',
        accepted: 0,
        duplicate: 0,
        rejected: 0,
        failures: 1,
        lastError: error instanceof Error ? error.message : String(error),
      }),
    )
    .then((report) => {
      running = null;
      for (const l of listeners) l({ running: false, report });
      return report;
    });
  return running;
}

interface SyncManager {
  register(tag: string): Promise<void>;
}

/** Ask the browser to run a sync when it next has a network (Chromium's Background Sync). */
export async function requestBackgroundSync(): Promise<boolean> {
  if (!('serviceWorker' in navigator)) return false;
  const registration = await navigator.serviceWorker.getRegistration();
  const sync = (registration as (ServiceWorkerRegistration & { sync?: SyncManager }) | undefined)?.sync;
  if (!sync) return false;
  try {
    await sync.register(BACKGROUND_SYNC_TAG);
    return true;
  } catch {
    return false; // permission denied or unsupported: the page triggers still work
  }
}

export function startSyncTriggers(): void {
  window.addEventListener('online', () => void syncNow());
  if (navigator.onLine) void syncNow();
}

/** Call after putting a record in the outbox. */
export function outboxChanged(): void {
  void requestBackgroundSync();
  if (navigator.onLine) void syncNow();
}
