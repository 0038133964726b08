// The API's HTTP contract, run twice: against the Node server (startTestServer: @hono/node-server, SQLite) and against
// the edge adapter on the local Workers runtime (src/edge/worker.ts in workerd via miniflare: D1 + R2). Only HTTP:
// nothing here reads a database or a store directly, so both targets answer the same requests. Cases from
// feedback.test.ts (idempotent batches, per-record rejection, envelope errors, body limit, photos, stats) and roles.
import type { FeedbackBatchResponse } from '@leafcheck/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeServer } from '../src/edge/local.ts';
import { startTestServer } from '../src/test-server.ts';
import { jpegClaiming, record, TINY_JPEG_BASE64 } from './fixtures.ts';

interface Target {
  url: string;
  tokens: { device: string; agronomist: string; maintainer: string };
  close(): Promise<void>;
}

const targets: [string, () => Promise<Target>][] = [
  ['node', () => startTestServer()],
  ['edge (workerd)', () => startEdgeServer()],
];

describe.each(targets)('API contract on %s', (_name, start) => {
  let t: Target;
  beforeAll(async () => {
    t = await start();
  }, 60_000);
  afterAll(() => t?.close());

  const call = (method: string, path: string, token: string | null, body?: unknown) =>
    fetch(`${t.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const post = async (records: unknown[]) => {
    const res = await call('POST', '/v1/feedback', t.tokens.device, { records });
    expect(res.status).toBe(200);
    return (await res.json()) as FeedbackBatchResponse;
  };
  const stats = async () => {
    const res = await call('GET', '/v1/feedback/stats', t.tokens.agronomist);
    expect(res.status).toBe(200);
    return (await res.json()) as { byBundle: { bundleVersion: string; total: number; wrong: number; notSure: number }[] };
  };

  it('serves its OpenAPI document', async () => {
    const res = await call('GET', '/openapi.json', null);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('accepts a batch, and replaying it in any order creates no duplicates', async () => {
    const batch = [1, 2, 3, 4, 5].map((n) => record(n, { bundleVersion: '9.0.1' }));
    const first = await post(batch);
    expect(first.results.map((r) => r.status)).toEqual(new Array(5).fill('accepted'));
    expect(first.results.map((r) => r.id)).toEqual(batch.map((r) => r.id));
    const replay = await post([...batch].reverse());
    expect(replay.results.map((r) => r.status)).toEqual(new Array(5).fill('duplicate'));
    expect(replay.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    const extra = record(6, { bundleVersion: '9.0.1' });
    const mixed = await post([extra, batch[2], extra]);
    expect(mixed.results.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect((await stats()).byBundle.find((b) => b.bundleVersion === '9.0.1')?.total).toBe(6);
  });

  it('survives concurrent replays of the same batch', async () => {
    const batch = [20, 21, 22].map((n) => record(n, { bundleVersion: '9.0.2' }));
    const answers = await Promise.all([post(batch), post(batch), post(batch), post(batch)]);
    const accepted = answers.flatMap((a) => a.results).filter((r) => r.status === 'accepted');
    expect(accepted.map((r) => r.id).sort()).toEqual(batch.map((r) => r.id).sort());
    expect((await stats()).byBundle.find((b) => b.bundleVersion === '9.0.2')?.total).toBe(3);
  });

  it('rejects bad records one by one with field errors, storing the good ones', async () => {
    const answer = await post([
      record(30),
      { ...record(31), verdict: { kind: 'wrong' } },
      { ...record(32), photoJpegBase64: jpegClaiming(600, 400) },
      { ...record(33), photoJpegBase64: btoa('GIF89a....') },
      42,
    ]);
    expect(answer.results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'rejected', 'rejected', 'rejected']);
    const errors = answer.results.map((r) => (r.status === 'rejected' ? r.errors : []));
    expect(errors[1]).toEqual([{ path: 'verdict.correctedLabel', message: expect.any(String) }]);
    expect(errors[2]).toEqual([{ path: 'photoJpegBase64', message: 'photo is 600x400; the longest side must be <= 512 px' }]);
    expect(errors[3]?.[0]?.message).toMatch(/not a JPEG/);
    expect(answer.results[4]).toMatchObject({ index: 4, id: null, status: 'rejected' });
  });

  it('refuses a malformed envelope with field-level errors, and bodies over the limit with 413', async () => {
    const empty = await call('POST', '/v1/feedback', t.tokens.device, { records: [] });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: 'validation', issues: [{ path: 'records' }] });
    expect((await call('POST', '/v1/feedback', t.tokens.device, '{"records": [')).status).toBe(400);
    const big = { ...record(40), note: 'x'.repeat(1000) };
    const res = await call('POST', '/v1/feedback', t.tokens.device, {
      records: new Array(100).fill(big).map((r, i) => ({ ...r, id: record(1000 + i).id, photoJpegBase64: 'A'.repeat(90_000) })),
    });
    expect(res.status).toBe(413);
  });

  it('stores a photo (local files / R2) and serves it back to the agronomist', async () => {
    const withPhoto = record(50, {
      photoJpegBase64: TINY_JPEG_BASE64,
      verdict: { kind: 'wrong', correctedLabel: 'Tomato___Early_blight' },
    });
    expect((await post([withPhoto])).results[0]?.status).toBe('accepted');
    const photo = await call('GET', `/v1/review/${withPhoto.id}/photo`, t.tokens.agronomist);
    expect(photo.status).toBe(200);
    expect(new Uint8Array(await photo.arrayBuffer())).toEqual(Uint8Array.from(atob(TINY_JPEG_BASE64), (c) => c.charCodeAt(0)));
  });

  it('checks tokens and roles', async () => {
    expect((await call('GET', '/v1/feedback/stats', null)).status).toBe(401);
    expect((await call('GET', '/v1/feedback/stats', 'not-a-token-at-all-xxxxxxxx')).status).toBe(401);
    expect((await call('GET', '/v1/feedback/stats', t.tokens.device)).status).toBe(403);
    expect((await call('POST', '/v1/feedback', t.tokens.agronomist, { records: [record(60)] })).status).toBe(403);
  });
});
