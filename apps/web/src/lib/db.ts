// The one IndexedDB database on the phone: diagnosis history, the feedback outbox and small settings.
// Shared by the page and the service worker (Background Sync drains the outbox from there).
import type { Diagnosis } from '@leafcheck/diagnosis/types';
import type { FeedbackRecord, FieldError } from '@leafcheck/sync';
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

export interface HistoryEntry {
  id: string;
  /** ISO time of the diagnosis. */
  createdAt: string;
  diagnosis: Diagnosis;
  /** ~160 px JPEG for the list. */
  thumbnail: Blob;
  /** First photo, longest side <= 512 px JPEG: sent with feedback only with consent. */
  photo: Blob;
  feedback?: { verdict: FeedbackRecord['verdict']; recordId: string; at: string };
}

export interface OutboxItem {
  record: FeedbackRecord;
  /** ms epoch when first queued; drains oldest first. */
  queuedAt: number;
  /** Set when the server refused the record for good; it stays visible but is not resent. */
  rejected?: FieldError[];
}

interface LeafcheckDB extends DBSchema {
  history: { key: string; value: HistoryEntry; indexes: { 'by-date': string } };
  outbox: { key: string; value: OutboxItem; indexes: { 'by-queued': number } };
  meta: { key: string; value: unknown };
}

export type Db = IDBPDatabase<LeafcheckDB>;

let dbPromise: Promise<Db> | undefined;

export function db(): Promise<Db> {
  dbPromise ??= openDB<LeafcheckDB>('leafcheck', 1, {
    upgrade(database) {
      const history = database.createObjectStore('history', { keyPath: 'id' });
      history.createIndex('by-date', 'createdAt');
      const outbox = database.createObjectStore('outbox', { keyPath: 'record.id' });
      outbox.createIndex('by-queued', 'queuedAt');
      database.createObjectStore('meta');
    },
  });
  return dbPromise;
}

export async function getMeta<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get('meta', key)) as T | undefined;
}

export async function setMeta(key: string, value: unknown): Promise<void> {
  await (await db()).put('meta', value, key);
}

/** True when the error means the phone ran out of space for us. */
export function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'QuotaExceededError' || error.name === 'NS_ERROR_DOM_QUOTA_REACHED');
}
