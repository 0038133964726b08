// The PWA's outbox in IndexedDB, implementing the sync engine's OutboxStore.
// Used from the page and from the service worker (Background Sync), so it only touches IndexedDB.
import type { FeedbackRecord, FieldError, OutboxStore } from '@leafcheck/sync';
import { db } from '../../../lib/db.ts';

export async function enqueue(record: FeedbackRecord, now = Date.now()): Promise<void> {
  await (await db()).put('outbox', { record, queuedAt: now });
}

export async function isQueued(id: string): Promise<boolean> {
  return (await (await db()).getKey('outbox', id)) !== undefined;
}

export interface OutboxSummary {
  pending: number;
  rejected: { id: string; errors: FieldError[] }[];
  items: { id: string; queuedAt: number; verdict: FeedbackRecord['verdict']; rejected: boolean }[];
}

export async function outboxSummary(): Promise<OutboxSummary> {
  const all = await (await db()).getAllFromIndex('outbox', 'by-queued');
  return {
    pending: all.filter((item) => !item.rejected).length,
    rejected: all.filter((item) => item.rejected).map((item) => ({ id: item.record.id, errors: item.rejected ?? [] })),
    items: all.map((item) => ({
      id: item.record.id,
      queuedAt: item.queuedAt,
      verdict: item.record.verdict,
      rejected: Boolean(item.rejected),
    })),
  };
}

export const idbOutboxStore: OutboxStore = {
  async list(limit) {
    const pending: FeedbackRecord[] = [];
    const tx = (await db()).transaction('outbox');
    for await (const cursor of tx.store.index('by-queued').iterate()) {
      if (!cursor.value.rejected) pending.push(cursor.value.record);
      if (pending.length >= limit) break;
    }
    return pending;
  },
  async remove(ids) {
    const tx = (await db()).transaction('outbox', 'readwrite');
    await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
  },
  async markRejected(id, errors) {
    const tx = (await db()).transaction('outbox', 'readwrite');
    const item = await tx.store.get(id);
    if (item) await tx.store.put({ ...item, rejected: errors });
    await tx.done;
  },
};
