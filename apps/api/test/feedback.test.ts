import type { FeedbackBatchResponse } from '@leafcheck/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { record, TINY_JPEG_BASE64 } from './fixtures.ts';
import { call, describeEachBackend, type Harness, openHarness } from './harness.ts';

describeEachBackend('feedback on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend, {
      config: {
        rateLimits: {
          device: { burst: 1000, perSecond: 1000 },
          agronomist: { burst: 100, perSecond: 100 },
          maintainer: { burst: 100, perSecond: 100 },
        },
      },
    });
  });
  afterAll(() => h.close());

  const post = async (records: unknown[]) => {
    const res = await call(h, 'POST', '/v1/feedback', h.tokens.device, { records });
    expect(res.status).toBe(200);
    return (await res.json()) as FeedbackBatchResponse;
  };

  it('accepts a batch, and replaying it in any order creates no duplicates', async () => {
    const batch = [1, 2, 3, 4, 5].map((n) => record(n));
    const first = await post(batch);
    expect(first.results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(first.results.map((r) => r.id)).toEqual(batch.map((r) => r.id));
    const replay = await post([...batch].reverse());
    expect(replay.results.map((r) => r.status)).toEqual(new Array(5).fill('duplicate'));
    expect(replay.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    const mixed = await post([record(6), batch[2], record(6), record(7)]);
    expect(mixed.results.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'duplicate', 'accepted']);
    const rows = await h.db.db.selectFrom('feedback').select('id').execute();
    expect(rows.map((r) => r.id).sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => record(n).id).sort());
  });

  it('survives concurrent replays of the same batch', async () => {
    const batch = [20, 21, 22].map((n) => record(n));
    const answers = await Promise.all([post(batch), post(batch), post(batch), post(batch)]);
    const accepted = answers.flatMap((a) => a.results).filter((r) => r.status === 'accepted');
    expect(accepted.map((r) => r.id).sort()).toEqual(batch.map((r) => r.id).sort());
    const count = await h.db.db
      .selectFrom('feedback')
      .select(h.db.db.fn.countAll().as('n'))
      .where(
        'id',
        'in',
        batch.map((r) => r.id),
      )
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
  });

  // Per-record rejection with field errors: contract.test.ts (over HTTP, on the Node server and the edge adapter).

  it('refuses a malformed envelope with field-level errors', async () => {
    const empty = await call(h, 'POST', '/v1/feedback', h.tokens.device, { records: [] });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: 'validation', issues: [{ path: 'records' }] });
    const notJson = await call(h, 'POST', '/v1/feedback', h.tokens.device, '{"records": [');
    expect(notJson.status).toBe(400);
  });

  it('refuses bodies over the limit with 413', async () => {
    const big = { ...record(40), note: 'x'.repeat(1000) };
    const res = await call(h, 'POST', '/v1/feedback', h.tokens.device, {
      records: new Array(100).fill(big).map((r, i) => ({ ...r, id: record(1000 + i).id, photoJpegBase64: 'A'.repeat(90_000) })),
    });
    expect(res.status).toBe(413);
  });

  it('stores photos and counts verdicts per class and per bundle version', async () => {
    await post([
      record(50, { photoJpegBase64: TINY_JPEG_BASE64 }),
      record(51, { bundleVersion: '1.1.0', verdict: { kind: 'wrong', correctedLabel: 'Tomato___Early_blight' } }),
      record(52, {
        bundleVersion: '1.1.0',
        verdict: { kind: 'not-sure' },
        prediction: { kind: 'not-sure', topK: [{ label: 'Tomato___healthy', probability: 0.4 }] },
      }),
    ]);
    expect(await h.deps.photos.get(record(50).id)).toEqual(new Uint8Array(Buffer.from(TINY_JPEG_BASE64, 'base64')));
    const res = await call(h, 'GET', '/v1/feedback/stats', h.tokens.agronomist);
    expect(res.status).toBe(200);
    const stats = (await res.json()) as { rows: unknown[]; byBundle: unknown[]; byClass: unknown[] };
    expect(stats.byBundle).toEqual([
      { bundleVersion: '1.0.0', right: 11, wrong: 0, notSure: 0, total: 11 },
      { bundleVersion: '1.1.0', right: 0, wrong: 1, notSure: 1, total: 2 },
    ]);
    expect(stats.rows).toContainEqual({ bundleVersion: '1.1.0', label: 'Tomato___healthy', right: 0, wrong: 0, notSure: 1, total: 1 });
    expect(stats.byClass).toContainEqual({ label: 'Tomato___Late_blight', right: 11, wrong: 1, notSure: 0, total: 12 });
  });

  it('answers CORS preflights for the app origin only', async () => {
    const ok = await call(h, 'OPTIONS', '/v1/feedback', null, undefined, {
      origin: 'https://app.leafcheck.test',
      'access-control-request-method': 'POST',
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.leafcheck.test');
    const other = await call(h, 'OPTIONS', '/v1/feedback', null, undefined, {
      origin: 'https://evil.test',
      'access-control-request-method': 'POST',
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
