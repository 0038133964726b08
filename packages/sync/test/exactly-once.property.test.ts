// Property: whatever the interleaving of app triggers, retries, duplicate enqueues, reordered
// responses, partial failures (the server commits but the answer is lost) and server restarts,
// every record reaches the server exactly once and leaves the outbox only after that.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSyncEngine } from '../src/engine.ts';
import type { FeedbackRecord } from '../src/feedback-record.ts';
import type { FeedbackBatchResponse } from '../src/protocol.ts';
import { SyncError, type SyncTransport } from '../src/transport.ts';
import { makeRecord } from './fixtures.ts';
import { MemoryOutbox, ModelServer } from './memory.ts';

type Fault =
  | { kind: 'ok' }
  | { kind: 'fail-before-commit'; status: number }
  | { kind: 'lost-response' }
  | { kind: 'partial-commit'; committed: number }
  | { kind: 'partial-ack'; committed: number }
  | { kind: 'restart' }
  | { kind: 'shuffled-acks'; seed: number }
  | { kind: 'dropped-acks'; keep: number }
  | { kind: 'garbled' };

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant({ kind: 'ok' } as const),
  fc.constantFrom(500, 502, 503, 429, 408).map((status) => ({ kind: 'fail-before-commit', status }) as const),
  fc.constant({ kind: 'lost-response' } as const),
  fc.nat(60).map((committed) => ({ kind: 'partial-commit', committed }) as const),
  fc.nat(60).map((committed) => ({ kind: 'partial-ack', committed }) as const),
  fc.constant({ kind: 'restart' } as const),
  fc.nat().map((seed) => ({ kind: 'shuffled-acks', seed }) as const),
  fc.nat(60).map((keep) => ({ kind: 'dropped-acks', keep }) as const),
  fc.constant({ kind: 'garbled' } as const),
);

type Op = { kind: 'add'; count: number } | { kind: 're-add'; pick: number } | { kind: 'sync'; tab: number } | { kind: 'yield' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((count) => ({ kind: 'add', count }) as const),
  fc.nat().map((pick) => ({ kind: 're-add', pick }) as const),
  fc.integer({ min: 0, max: 2 }).map((tab) => ({ kind: 'sync', tab }) as const),
  fc.constant({ kind: 'yield' } as const),
);

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('sync exactly-once (property)', () => {
  // Generous timeout: 300 runs take ~1 s alone, much longer on a busy CI machine.
  it('never loses or duplicates a record', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        fc.array(faultArb, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 50 }),
        async (s, ops, faults, batchSize) => {
          const outbox = new MemoryOutbox();
          const server = new ModelServer();
          const lostBeforeStored: string[] = [];
          outbox.onRemove = (ids) => {
            for (const id of ids) if (!server.stored.has(id)) lostBeforeStored.push(id);
          };
          let faultIndex = 0;
          let faultsOn = true;
          let generation = 0;

          const transport: SyncTransport = {
            async send(records: FeedbackRecord[]): Promise<FeedbackBatchResponse> {
              const fault: Fault = faultsOn ? (faults[faultIndex++ % faults.length] as Fault) : { kind: 'ok' };
              const started = generation;
              await s.schedule(Promise.resolve('request arrives'));
              if (generation !== started) throw new SyncError('connection reset', 'network');
              if (fault.kind === 'restart') {
                generation += 1;
                throw new SyncError('server restarting', 'network');
              }
              if (fault.kind === 'fail-before-commit') throw new SyncError('failed', 'http', fault.status);
              const response = server.apply(
                records,
                fault.kind === 'partial-commit' || fault.kind === 'partial-ack' ? fault.committed : Number.POSITIVE_INFINITY,
              );
              await s.schedule(Promise.resolve('response travels'));
              switch (fault.kind) {
                case 'partial-commit':
                case 'lost-response':
                  throw new SyncError('connection dropped', 'network');
                case 'partial-ack':
                  // The server stored only some records (e.g. a per-record timeout) and says so.
                  return response;
                case 'shuffled-acks':
                  return { results: shuffle(response.results, fault.seed) };
                case 'dropped-acks':
                  return { results: response.results.slice(0, fault.keep) };
                case 'garbled':
                  // A proxy mangles indexes: acks point at the wrong slots.
                  return { results: response.results.map((r) => ({ ...r, index: (r.index + 1) % Math.max(1, records.length + 1) })) };
                default:
                  return response;
              }
            },
          };
          const engines = [0, 1, 2].map(() =>
            createSyncEngine({
              store: outbox,
              transport,
              batchSize,
              maxAttempts: 4,
              random: () => 0.5,
              sleep: () => s.schedule(Promise.resolve()).then(() => undefined),
            }),
          );
          const added: FeedbackRecord[] = [];
          const runs: Promise<unknown>[] = [];

          const main = async () => {
            for (const op of ops) {
              if (op.kind === 'add') {
                for (let i = 0; i < op.count; i++) {
                  const record = makeRecord(added.length + 1);
                  added.push(record);
                  outbox.put(record);
                }
              } else if (op.kind === 're-add' && added.length > 0) {
                outbox.put(added[op.pick % added.length] as FeedbackRecord);
              } else if (op.kind === 'sync') {
                runs.push((engines[op.tab] as (typeof engines)[number]).sync());
              }
              await s.schedule(Promise.resolve('next app event'));
            }
            await Promise.all(runs);
            // The network heals; the next trigger must finish the job.
            faultsOn = false;
            const final = await (engines[0] as (typeof engines)[number]).sync();
            expect(final.outcome).toBe('done');
          };
          await s.waitFor(main());

          expect(lostBeforeStored).toEqual([]);
          expect(outbox.pending.size).toBe(0);
          expect(outbox.rejected.size).toBe(0);
          expect(new Set(server.stored.keys())).toEqual(new Set(added.map((r) => r.id)));
          for (const [id, count] of server.inserts) expect(count, id).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
