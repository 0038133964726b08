// The one text policy at the boundary: what a client is acked for is exactly what is stored and read back,
// and text that cannot be stored exactly (lone surrogates, NUL, invalid UTF-8) is refused naming the field.
import type { FeedbackBatchResponse } from '@leafcheck/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { record } from './fixtures.ts';
import { call, describeEachBackend, type Harness, openHarness } from './harness.ts';

const TRICKY = [
  'mancha café, 番茄晚疫病, लीफ',
  'emoji 🍅🌿😀 and a flag 🇰🇪',
  'combining e\u0301 and RTL שלום عربي \u200f',
  'a literal replacement char \ufffd and U+2028 \u2028 and U+FEFF \ufeff',
  'tab\tline\nbreak\r\nend',
  '𝕏'.repeat(1000), // 2000 UTF-16 units: the note's limit, all 4-byte UTF-8
];

describeEachBackend('text policy on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend);
  });
  afterAll(() => h.close());

  const postRaw = (body: string | Uint8Array<ArrayBuffer>) =>
    h.app.request('/v1/feedback', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.device}`, 'content-type': 'application/json' },
      body,
    });

  it('what was acked is byte-for-byte what is read back', async () => {
    const records = TRICKY.map((note, i) =>
      record(100 + i, {
        note,
        deviceId: `device-${note.slice(0, 20)}`,
        verdict: { kind: 'wrong', correctedLabel: `Tomato___${note.slice(0, 30)}` },
      }),
    );
    const res = await postRaw(JSON.stringify({ records }));
    expect(res.status).toBe(200);
    const acks = (await res.json()) as FeedbackBatchResponse;
    expect(acks.results.map((a) => a.status)).toEqual(TRICKY.map(() => 'accepted'));
    for (const sent of records) {
      const item = await call(h, 'GET', `/v1/review/${sent.id}`, h.tokens.agronomist);
      expect(item.status).toBe(200);
      const raw = new Uint8Array(await item.arrayBuffer());
      const back = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)) as {
        farmer: { note: string; correctedLabel: string };
      };
      expect(Buffer.from(back.farmer.note, 'utf8').equals(Buffer.from(sent.note as string, 'utf8'))).toBe(true);
      expect(back.farmer.note).toBe(sent.note);
      expect(back.farmer.correctedLabel).toBe(sent.verdict.kind === 'wrong' ? sent.verdict.correctedLabel : null);
      const row = await h.db.db.selectFrom('feedback').select(['note', 'device_id']).where('id', '=', sent.id).executeTakeFirstOrThrow();
      expect(row.note).toBe(sent.note);
      expect(row.device_id).toBe(sent.deviceId);
    }
  });

  it('a lone surrogate in a note rejects that record naming the field; the rest of the batch is stored', async () => {
    // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse turns back into one.
    const body = JSON.stringify({ records: [record(200), record(201, { note: 'x\ud800y' }), record(202)] });
    expect(body).toContain('\\ud800');
    const acks = (await (await postRaw(body)).json()) as FeedbackBatchResponse;
    expect(acks.results.map((a) => a.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(acks.results[1]).toEqual({
      index: 1,
      id: record(201).id,
      status: 'rejected',
      errors: [{ path: 'note', message: 'contains a lone surrogate (U+D800 at 1): send well-formed Unicode text' }],
    });
    const stored = await h.db.db.selectFrom('feedback').select('id').where('id', '=', record(201).id).execute();
    expect(stored).toEqual([]);
  });

  it('NUL in a note is refused (PostgreSQL could not store it)', async () => {
    const acks = (await (await postRaw(JSON.stringify({ records: [record(210, { note: 'a\u0000b' })] }))).json()) as FeedbackBatchResponse;
    expect(acks.results[0]).toMatchObject({
      status: 'rejected',
      errors: [{ path: 'note', message: 'contains the control character U+0000 at 1' }],
    });
  });

  it('invalid UTF-8 bytes are refused with a 400 naming the field, never stored as U+FFFD', async () => {
    const body = new TextEncoder().encode(JSON.stringify({ records: [record(220), record(221, { note: 'bad BYTES here' })] }));
    const at = Buffer.from(body).indexOf('BYTES');
    body.set([0xc3, 0x28, 0xff, 0xfe, 0x80], at); // an overlong start, 0xff/0xfe (never UTF-8), a lone continuation byte
    const res = await postRaw(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'validation',
      issues: [{ path: 'records.1.note', message: 'is not valid UTF-8: send text encoded as UTF-8' }],
    });
    const stored = await h.db.db
      .selectFrom('feedback')
      .select('id')
      .where('id', 'in', [record(220).id, record(221).id])
      .execute();
    expect(stored).toEqual([]);
  });

  it('a review label with a lone surrogate is refused with a 400 naming the label', async () => {
    const res = await call(
      h,
      'POST',
      `/v1/review/${record(100).id}`,
      h.tokens.agronomist,
      '{"decision":"label","label":"Tomato___Late\\ud800"}',
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: Array<{ path: string; message: string }> };
    expect(body.error).toBe('validation');
    expect(body.issues).toContainEqual({
      path: 'label',
      message: 'contains a lone surrogate (U+D800 at 13): send well-formed Unicode text',
    });
    const review = await h.db.db.selectFrom('review').selectAll().where('feedback_id', '=', record(100).id).execute();
    expect(review).toEqual([]);
  });

  it('a channel rollback reason with a lone surrogate is refused with a 400 naming the reason', async () => {
    const res = await call(h, 'POST', '/v1/channels/stable/rollback', h.tokens.maintainer, '{"reason":"bad \\udc00 build"}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: Array<{ path: string; message: string }> }).issues).toContainEqual({
      path: 'reason',
      message: 'contains a lone surrogate (U+DC00 at 4): send well-formed Unicode text',
    });
  });

  it('invalid UTF-8 in a review body is refused with a 400', async () => {
    const body = new TextEncoder().encode('{"decision":"label","label":"Tomato___LateX"}');
    body[body.indexOf(0x58)] = 0xff;
    const res = await h.app.request(`/v1/review/${record(100).id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.agronomist}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: Array<{ path: string }> }).issues).toEqual([{ path: 'label', message: expect.any(String) }]);
  });
});
