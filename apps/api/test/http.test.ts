// The real client engine against a real server over loopback, including a server restart mid-sync.
import { createSyncEngine, fetchTransport } from '@leafcheck/sync';
import { MemoryOutbox } from '@leafcheck/sync/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/test-server.ts';
import { record } from './fixtures.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function count(server: TestServer): Promise<number> {
  const res = await fetch(`${server.url}/v1/feedback/stats`, { headers: { authorization: `Bearer ${server.tokens.maintainer}` } });
  const stats = (await res.json()) as { byBundle: Array<{ total: number }> };
  return stats.byBundle.reduce((sum, b) => sum + b.total, 0);
}

describe('sync over HTTP', { timeout: 60_000 }, () => {
  it('delivers an outbox exactly once across a server restart', async () => {
    const first = await startTestServer({
      config: {
        rateLimits: {
          device: { burst: 1000, perSecond: 1000 },
          agronomist: { burst: 100, perSecond: 100 },
          maintainer: { burst: 100, perSecond: 100 },
        },
      },
    });
    servers.push(first); // closed last: it removes the folder the restarted server shares
    const outbox = new MemoryOutbox();
    for (let i = 0; i < 230; i++) outbox.pending.set(record(i).id, record(i));
    let current: TestServer = first;
    let sent = 0;
    const base = fetchTransport({ baseUrl: first.url, token: first.tokens.device });
    const engine = createSyncEngine({
      store: outbox,
      transport: {
        async send(records, signal) {
          sent += 1;
          if (sent === 3) {
            // The API dies after committing this batch, before the phone hears back.
            const answer = await base.send(records, signal);
            expect(answer.results.every((r) => r.status === 'accepted')).toBe(true);
            await current.stop();
            current = await startTestServer({ dir: first.dir, tokens: first.tokens, port: first.port });
            servers.unshift(current);
            throw new Error('connection reset');
          }
          return base.send(records, signal);
        },
      },
      sleep: async () => {},
    });
    const report = await engine.sync();
    expect(report.outcome).toBe('done');
    expect(report.accepted).toBe(230 - 50);
    expect(report.duplicate).toBe(50);
    expect(outbox.pending.size).toBe(0);
    expect(await count(current)).toBe(230);
    // Replaying everything again changes nothing.
    for (let i = 0; i < 230; i++) outbox.pending.set(record(i).id, record(i));
    const replay = await engine.sync();
    expect(replay).toMatchObject({ outcome: 'done', accepted: 0, duplicate: 230 });
    expect(await count(current)).toBe(230);
  });

  it('reports a revoked or unknown device token as unauthorized and keeps the records', async () => {
    const server = await startTestServer();
    servers.push(server);
    const outbox = new MemoryOutbox();
    outbox.pending.set(record(1).id, record(1));
    const engine = createSyncEngine({
      store: outbox,
      transport: fetchTransport({ baseUrl: server.url, token: 'lc_device_nope_nope_nope_nope' }),
    });
    expect((await engine.sync()).outcome).toBe('unauthorized');
    expect(outbox.pending.size).toBe(1);
  });
});

describe('body limits over HTTP', () => {
  it('refuse a large body by its Content-Length and a large chunked body while reading it', async () => {
    const server = await startTestServer({ config: { feedbackBodyLimit: 4_000 } });
    servers.push(server);
    const headers = { authorization: `Bearer ${server.tokens.device}`, 'content-type': 'application/json' };
    const big = JSON.stringify({ records: [record(1, { note: 'x'.repeat(1_900) }), record(2, { note: 'y'.repeat(1_900) })] });
    expect((await fetch(`${server.url}/v1/feedback`, { method: 'POST', headers, body: big })).status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const res = await fetch(`${server.url}/v1/feedback`, { method: 'POST', headers, body: chunked, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    const small = await fetch(`${server.url}/v1/feedback`, { method: 'POST', headers, body: JSON.stringify({ records: [record(3)] }) });
    expect(small.status).toBe(200);
  });
});

describe('OpenAPI document', () => {
  it('is served and describes the feedback record and the routes', async () => {
    const server = await startTestServer();
    servers.push(server);
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.components.schemas.FeedbackRecord?.properties ?? {})).toEqual(
      expect.arrayContaining(['id', 'deviceId', 'prediction', 'verdict', 'photoJpegBase64', 'location']),
    );
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/feedback', '/v1/review/{id}', '/v1/export', '/healthz']));
  });
});
