// Property, end to end: the real client engine against the real API (in process, real SQLite),
// under random lost requests, lost responses, server errors, restarts and duplicate enqueues.
// Whatever happens, every record is stored once and each is acknowledged "accepted" exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyncEngine, type FeedbackBatchResponse, type FeedbackRecord, SyncError } from '@leafcheck/sync';
import { MemoryOutbox } from '@leafcheck/sync/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { openDb } from '../src/db/connect.ts';
import { createStorage } from '../src/db/storage.ts';
import { localPhotoStore } from '../src/photos/photo-store.ts';
import { record } from './fixtures.ts';

type Fault = 'ok' | 'request-lost' | 'response-lost' | 'server-error' | 'restart';

describe('sync against the real API (property)', () => {
  it('stores every record once through lost requests, lost responses and restarts', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leafcheck-sync-prop-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(-1), fc.constant(0)), { minLength: 1, maxLength: 12 }),
          fc.array(fc.constantFrom<Fault>('ok', 'request-lost', 'response-lost', 'server-error', 'restart'), {
            minLength: 1,
            maxLength: 12,
          }),
          fc.integer({ min: 1, max: 60 }),
          async (events, faults, batchSize) => {
            run += 1;
            const opened = await openDb({ kind: 'sqlite', path: join(dir, `run-${run}.db`) });
            try {
              const storage = createStorage(opened.db, undefined, opened.feedbackWriter);
              const { token } = await storage.tokens.issue('device', 'prop');
              const unlimited = { burst: 1e9, perSecond: 1e9 };
              // A "restart" builds a fresh app (new limiter, caches) over the same database.
              const boot = () =>
                createApp({
                  storage: createStorage(opened.db, undefined, opened.feedbackWriter),
                  photos: localPhotoStore(join(dir, 'photos')),
                  llm: null,
                  bundle: null,
                  config: { rateLimits: { device: unlimited, agronomist: unlimited, maintainer: unlimited } },
                });
              let app = boot();
              let faultIndex = 0;
              let healed = false;
              const acceptedAcks = new Map<string, number>();
              const outbox = new MemoryOutbox();
              const added: FeedbackRecord[] = [];
              const engine = createSyncEngine({
                store: outbox,
                batchSize,
                maxAttempts: 3,
                sleep: async () => {},
                transport: {
                  async send(records) {
                    const fault: Fault = healed ? 'ok' : (faults[faultIndex++ % faults.length] as Fault);
                    if (fault === 'request-lost') throw new SyncError('network down', 'network');
                    const res = await app.request('/v1/feedback', {
                      method: 'POST',
                      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                      body: JSON.stringify({ records }),
                    });
                    expect(res.status).toBe(200);
                    const body = (await res.json()) as FeedbackBatchResponse;
                    for (const ack of body.results)
                      if (ack.status === 'accepted') acceptedAcks.set(ack.id, (acceptedAcks.get(ack.id) ?? 0) + 1);
                    if (fault === 'response-lost') throw new SyncError('connection reset', 'network');
                    if (fault === 'server-error') throw new SyncError('bad gateway', 'http', 502);
                    if (fault === 'restart') {
                      app = boot();
                      throw new SyncError('server restarting', 'network');
                    }
                    return body;
                  },
                },
              });
              for (const event of events) {
                if (event > 0) {
                  for (let i = 0; i < event; i++) {
                    const r = record(added.length + 1);
                    added.push(r);
                    outbox.pending.set(r.id, r);
                  }
                } else if (event === -1 && added.length > 0) {
                  const again = added[added.length - 1] as FeedbackRecord;
                  outbox.pending.set(again.id, again);
                } else {
                  await Promise.all([engine.sync(), engine.sync()]);
                }
              }
              healed = true;
              expect((await engine.sync()).outcome).toBe('done');
              const rows = await opened.db.selectFrom('feedback').select('id').execute();
              expect(rows.map((r) => r.id).sort()).toEqual(added.map((r) => r.id).sort());
              expect(outbox.pending.size).toBe(0);
              expect(outbox.rejected.size).toBe(0);
              for (const r of added) expect(acceptedAcks.get(r.id), r.id).toBe(1);
            } finally {
              await opened.close();
            }
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
