import { describe, expect, it } from 'vitest';
import { createSyncEngine } from '../src/engine.ts';
import { fetchTransport, SyncError, type SyncTransport } from '../src/transport.ts';
import { makeRecord } from './fixtures.ts';
import { MemoryOutbox, ModelServer } from './memory.ts';

const noSleep = async () => {};

describe('sync engine', () => {
  it('drains the outbox in batches and removes only acknowledged records', async () => {
    const outbox = new MemoryOutbox();
    const server = new ModelServer();
    for (let i = 0; i < 120; i++) outbox.put(makeRecord(i));
    const sizes: number[] = [];
    const transport: SyncTransport = {
      async send(records) {
        sizes.push(records.length);
        return server.apply(records);
      },
    };
    const report = await createSyncEngine({ store: outbox, transport, batchSize: 50, sleep: noSleep }).sync();
    expect(report).toMatchObject({ outcome: 'done', accepted: 120, duplicate: 0, failures: 0 });
    expect(sizes).toEqual([50, 50, 20]);
    expect(outbox.pending.size).toBe(0);
  });

  it('keeps records whose ack is missing or names another record, and retries them', async () => {
    const outbox = new MemoryOutbox();
    const server = new ModelServer();
    for (let i = 0; i < 4; i++) outbox.put(makeRecord(i));
    let call = 0;
    const transport: SyncTransport = {
      async send(records) {
        call += 1;
        const response = server.apply(records);
        // First answer: one ack dropped, one pointing at the wrong index.
        const [first, second] = response.results;
        if (call === 1 && first && second) return { results: [first, { ...second, index: 2 }] };
        return response;
      },
    };
    const report = await createSyncEngine({ store: outbox, transport, sleep: noSleep }).sync();
    expect(report.outcome).toBe('done');
    expect(report.accepted + report.duplicate).toBe(4);
    expect(report.duplicate).toBe(3); // all four were committed by the first call
    expect([...server.inserts.values()].every((n) => n === 1)).toBe(true);
  });

  it('backs off with jitter on failures, honours Retry-After, and gives up after maxAttempts', async () => {
    const outbox = new MemoryOutbox();
    outbox.put(makeRecord(1));
    const slept: number[] = [];
    const transport: SyncTransport = {
      async send() {
        throw new SyncError('busy', 'http', 429, 5_000);
      },
    };
    const engine = createSyncEngine({
      store: outbox,
      transport,
      backoff: { baseMs: 100, maxMs: 10_000 },
      maxAttempts: 4,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    const report = await engine.sync();
    expect(report).toMatchObject({ outcome: 'gave-up', failures: 4 });
    // Retry-After 5 s plus jitter (random 0.5 of 5 s): longer than the own backoff, so it wins.
    expect(slept).toEqual([7_500, 7_500, 7_500]);
    expect(outbox.pending.size).toBe(1);
  });

  it('spreads phones told the same Retry-After over [R, 2R), never sooner than R', async () => {
    const waits = async (random: () => number) => {
      const outbox = new MemoryOutbox();
      outbox.put(makeRecord(1));
      const slept: number[] = [];
      let calls = 0;
      const transport: SyncTransport = {
        async send(records) {
          calls++;
          if (calls <= 3) throw new SyncError('busy', 'http', 503, 2_000);
          return { results: records.map((r, index) => ({ index, id: r.id, status: 'accepted' as const })) };
        },
      };
      const sleep = async (ms: number) => {
        slept.push(ms);
      };
      const engine = createSyncEngine({ store: outbox, transport, backoff: { baseMs: 10, maxMs: 100 }, random, sleep });
      expect((await engine.sync()).outcome).toBe('done');
      return slept;
    };
    let x = 7;
    const phones = await Promise.all(
      Array.from({ length: 20 }, () =>
        waits(() => {
          x = (x * 16807) % 2147483647;
          return x / 2147483647;
        }),
      ),
    );
    const all = phones.flat();
    expect(all).toHaveLength(60);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...all)).toBeLessThan(4_000);
    expect(new Set(all).size).toBeGreaterThan(50); // spread out, not one thundering herd at 2 s
  });

  it('stops at once on a refused token and keeps the records', async () => {
    const outbox = new MemoryOutbox();
    outbox.put(makeRecord(1));
    const transport: SyncTransport = {
      async send() {
        throw new SyncError('no', 'http', 401);
      },
    };
    const report = await createSyncEngine({ store: outbox, transport, sleep: noSleep }).sync();
    expect(report.outcome).toBe('unauthorized');
    expect(outbox.pending.size).toBe(1);
  });

  it('splits a batch the server finds too large, and parks a single oversized record', async () => {
    const outbox = new MemoryOutbox();
    const server = new ModelServer();
    for (let i = 0; i < 8; i++) outbox.put(makeRecord(i, i === 5 ? { note: 'x'.repeat(1900) } : {}));
    const transport: SyncTransport = {
      async send(records) {
        if (JSON.stringify(records).length > 2_000) throw new SyncError('too large', 'http', 413);
        return server.apply(records);
      },
    };
    const report = await createSyncEngine({ store: outbox, transport, sleep: noSleep }).sync();
    expect(report.outcome).toBe('done');
    expect(server.stored.size).toBe(7);
    expect([...outbox.rejected.keys()]).toEqual([makeRecord(5).id]);
  });

  it('parks records the server rejects and shares one run between concurrent triggers', async () => {
    const outbox = new MemoryOutbox();
    outbox.put(makeRecord(1));
    let calls = 0;
    const transport: SyncTransport = {
      async send(records) {
        calls += 1;
        return { results: [{ index: 0, id: records[0]?.id ?? null, status: 'rejected', errors: [{ path: 'note', message: 'too long' }] }] };
      },
    };
    const engine = createSyncEngine({ store: outbox, transport, sleep: noSleep });
    const [a, b] = await Promise.all([engine.sync(), engine.sync()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    expect(outbox.rejected.get(makeRecord(1).id)).toEqual([{ path: 'note', message: 'too long' }]);
  });
});

describe('sync engine limits', () => {
  it('caps a request by bytes as well as by count', async () => {
    const outbox = new MemoryOutbox();
    const server = new ModelServer();
    for (let i = 0; i < 10; i++) outbox.put(makeRecord(i, { note: 'n'.repeat(1000) }));
    const sizes: number[] = [];
    const transport: SyncTransport = {
      async send(records) {
        sizes.push(records.length);
        return server.apply(records);
      },
    };
    await createSyncEngine({ store: outbox, transport, maxBatchBytes: 3_500, sleep: noSleep }).sync();
    expect(sizes).toEqual([2, 2, 2, 2, 2]);
  });

  it('stops with outcome aborted when its signal fires, keeping unsent records', async () => {
    const outbox = new MemoryOutbox();
    for (let i = 0; i < 3; i++) outbox.put(makeRecord(i));
    const controller = new AbortController();
    const transport: SyncTransport = {
      async send() {
        controller.abort();
        throw new DOMException('aborted', 'AbortError');
      },
    };
    const report = await createSyncEngine({ store: outbox, transport, sleep: noSleep }).sync(controller.signal);
    expect(report.outcome).toBe('aborted');
    expect(outbox.pending.size).toBe(3);
  });
});

describe('fetchTransport', () => {
  it('posts with the bearer token and validates the response', async () => {
    const seen: Request[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push(new Request(url, init));
      return new Response(JSON.stringify({ results: [{ index: 0, id: makeRecord(1).id, status: 'accepted' }] }), { status: 200 });
    }) as typeof fetch;
    const transport = fetchTransport({ baseUrl: 'http://api.test/', token: 'tok', fetch: fakeFetch });
    const response = await transport.send([makeRecord(1)]);
    expect(response.results[0]?.status).toBe('accepted');
    expect(seen[0]?.url).toBe('http://api.test/v1/feedback');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer tok');
  });

  it('turns HTTP failures, network errors and garbage into SyncErrors', async () => {
    const answer = (r: Response | Error) =>
      fetchTransport({
        baseUrl: 'http://api.test',
        token: 't',
        fetch: (async () => {
          if (r instanceof Error) throw r;
          return r;
        }) as typeof fetch,
        now: () => 0,
      }).send([makeRecord(1)]);
    await expect(answer(new Response('', { status: 503, headers: { 'retry-after': '2' } }))).rejects.toMatchObject({
      kind: 'http',
      status: 503,
      retryAfterMs: 2000,
      retryable: true,
    });
    await expect(answer(new Response('', { status: 403 }))).rejects.toMatchObject({ retryable: false });
    await expect(answer(new TypeError('offline'))).rejects.toMatchObject({ kind: 'network' });
    await expect(answer(new Response('{"results":[{"index":0}]}'))).rejects.toMatchObject({ kind: 'bad-response' });
  });
});
