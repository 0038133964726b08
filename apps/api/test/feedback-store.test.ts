// Both write paths (Kysely, used on PostgreSQL, and the SQLite prepared statements) behave the same.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../src/db/connect.ts';
import { createFeedbackStore } from '../src/db/feedback-store.ts';
import { record } from './fixtures.ts';

describe.each(['kysely', 'prepared'] as const)('feedback writes via %s', (path) => {
  it('inserts new ids once and reports what it inserted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leafcheck-store-'));
    const opened = await openDb({ kind: 'sqlite', path: join(dir, 's.db') });
    try {
      const store =
        path === 'kysely' ? createFeedbackStore(opened.db) : (opened.feedbackWriter as NonNullable<typeof opened.feedbackWriter>);
      const first = await store.insert([record(1), record(2)], 'tok', '2026-11-29T00:00:00Z');
      expect([...first].sort()).toEqual([record(1).id, record(2).id].sort());
      const second = await store.insert([record(2), record(3)], 'tok', '2026-11-29T00:00:01Z');
      expect([...second]).toEqual([record(3).id]);
      expect([...(await store.existing([record(1).id, record(9).id]))]).toEqual([record(1).id]);
      const rows = await opened.db.selectFrom('feedback').select(['id', 'received_at', 'predicted_label']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: record(1).id, received_at: '2026-11-29T00:00:00Z', predicted_label: 'Tomato___Late_blight' },
        { id: record(2).id, received_at: '2026-11-29T00:00:00Z', predicted_label: 'Tomato___Late_blight' },
        { id: record(3).id, received_at: '2026-11-29T00:00:01Z', predicted_label: 'Tomato___Late_blight' },
      ]);
    } finally {
      await opened.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the SQLite writer thread', () => {
  it('stores each id once when concurrent batches overlap (they may share one transaction)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leafcheck-store-'));
    const opened = await openDb({ kind: 'sqlite', path: join(dir, 's.db') });
    try {
      const writer = opened.feedbackWriter as NonNullable<typeof opened.feedbackWriter>;
      const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 5 }, (_, i) => record(b * 3 + i)));
      const inserted = await Promise.all(batches.map((batch) => writer.insert(batch, 'tok', '2026-11-29T00:00:00Z')));
      const all = inserted.flatMap((ids) => [...ids]);
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual([...new Set(batches.flat().map((r) => r.id))].sort());
      const rows = await opened.db.selectFrom('feedback').select('id').execute();
      expect(rows).toHaveLength(all.length);
      // A batch that cannot be stored fails alone, even when it shared a transaction with others.
      const broken = { ...record(100), deviceId: null } as unknown as ReturnType<typeof record>;
      const outcomes = await Promise.allSettled([
        writer.insert([record(101)], 'tok', 't'),
        writer.insert([broken], 'tok', 't'),
        writer.insert([record(102)], 'tok', 't'),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await writer.existing([record(100).id, record(101).id, record(102).id])).toEqual(new Set([record(101).id, record(102).id]));
    } finally {
      await opened.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
