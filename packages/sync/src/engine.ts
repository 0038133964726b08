// Client-side sync: drains an injected outbox through an injected transport.
// Exactly-once comes from two rules: a record leaves the outbox only after the server acknowledged
// it (accepted or duplicate), and the server is idempotent by record id, so resending is always safe.
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, retryAfterDelay } from './backoff.ts';
import type { FeedbackRecord } from './feedback-record.ts';
import type { FieldError } from './protocol.ts';
import { SyncError, type SyncTransport } from './transport.ts';

/** Storage the app provides (IndexedDB in the PWA, a Map in tests). */
export interface OutboxStore {
  /** Pending records, oldest first, at most `limit`. Records marked rejected are not pending. */
  list(limit: number): Promise<FeedbackRecord[]>;
  /** Drops acknowledged records; unknown ids are ignored. */
  remove(ids: string[]): Promise<void>;
  /** Parks a record the server refused for good, with its reasons, so the UI can show it. */
  markRejected(id: string, errors: FieldError[]): Promise<void>;
}

export interface SyncEngineOptions {
  store: OutboxStore;
  transport: SyncTransport;
  /** Records per request (server maximum: 100). */
  batchSize?: number;
  /** Upper bound on a request body; photos make records large. */
  maxBatchBytes?: number;
  backoff?: BackoffOptions;
  /** Consecutive failed attempts before a run gives up (the next trigger starts again). */
  maxAttempts?: number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type SyncOutcome = 'done' | 'gave-up' | 'unauthorized' | 'aborted';

export interface SyncReport {
  outcome: SyncOutcome;
  accepted: number;
  duplicate: number;
  rejected: number;
  /** Failed requests in this run. */
  failures: number;
  lastError?: string;
}

export interface SyncEngine {
  /** Drains the outbox. Concurrent calls (online event, app start, "Sync now") share one run. */
  sync(signal?: AbortSignal): Promise<SyncReport>;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

function takeBySize(records: FeedbackRecord[], maxBytes: number): FeedbackRecord[] {
  const taken: FeedbackRecord[] = [];
  let bytes = 16;
  for (const record of records) {
    const size = JSON.stringify(record).length + 1;
    if (taken.length > 0 && bytes + size > maxBytes) break;
    taken.push(record);
    bytes += size;
  }
  return taken;
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { store, transport } = options;
  const maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxAttempts = options.maxAttempts ?? 8;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  let batchSize = Math.min(options.batchSize ?? 50, 100);
  let running: Promise<SyncReport> | null = null;

  async function run(signal?: AbortSignal): Promise<SyncReport> {
    const report: SyncReport = { outcome: 'done', accepted: 0, duplicate: 0, rejected: 0, failures: 0 };
    let attempt = 0;
    const fail = async (error: SyncError | Error): Promise<boolean> => {
      report.failures += 1;
      report.lastError = error.message;
      attempt += 1;
      if (attempt >= maxAttempts) {
        report.outcome = 'gave-up';
        return false;
      }
      const own = backoffDelay(attempt - 1, backoff, random);
      const server = error instanceof SyncError ? error.retryAfterMs : null;
      await sleep(server === null ? own : retryAfterDelay(server, own, random), signal);
      return true;
    };
    while (true) {
      if (signal?.aborted) return { ...report, outcome: 'aborted' };
      const pending = await store.list(batchSize);
      if (pending.length === 0) return report;
      const batch = takeBySize(pending, maxBatchBytes);
      let acks: Awaited<ReturnType<SyncTransport['send']>>;
      try {
        acks = await transport.send(batch, signal);
      } catch (caught) {
        if (signal?.aborted) return { ...report, outcome: 'aborted' };
        const error = caught instanceof Error ? caught : new Error(String(caught));
        if (error instanceof SyncError && error.kind === 'http' && error.status === 413) {
          if (batch.length > 1) {
            batchSize = Math.max(1, Math.floor(batch.length / 2));
            continue;
          }
          const only = batch[0] as FeedbackRecord;
          await store.markRejected(only.id, [{ path: '', message: 'record is larger than the server accepts' }]);
          report.rejected += 1;
          continue;
        }
        if (error instanceof SyncError && !error.retryable) {
          report.failures += 1;
          report.lastError = error.message;
          report.outcome = error.status === 401 || error.status === 403 ? 'unauthorized' : 'gave-up';
          return report;
        }
        if (await fail(error)) continue;
        return report;
      }
      // Trust an ack only when it names the record we sent at that index: a confused or reordered
      // response must never drop a record the server has not stored.
      const done: string[] = [];
      let acked = 0;
      for (const ack of acks.results) {
        const sent = batch[ack.index];
        if (sent === undefined) continue;
        if (ack.status === 'rejected') {
          if (ack.id !== null && ack.id !== sent.id) continue;
          await store.markRejected(sent.id, ack.errors);
          report.rejected += 1;
          acked += 1;
        } else if (ack.id === sent.id) {
          done.push(sent.id);
          if (ack.status === 'accepted') report.accepted += 1;
          else report.duplicate += 1;
          acked += 1;
        }
      }
      await store.remove(done);
      if (acked === 0 && (await fail(new SyncError('server acknowledged none of the batch', 'bad-response'))) === false) return report;
      if (acked > 0) attempt = 0;
    }
  }

  return {
    sync(signal) {
      if (running === null) {
        running = run(signal).finally(() => {
          running = null;
        });
      }
      return running;
    },
  };
}
