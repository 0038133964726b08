import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../src/backoff.ts';
import { feedbackBatchRequest, parseBatchRecords } from '../src/protocol.ts';
import { makeRecord } from './fixtures.ts';

describe('parseBatchRecords', () => {
  it('accepts valid records and rejects bad ones with field paths, keeping indexes', () => {
    const good = makeRecord(1);
    const bad = { ...makeRecord(2), verdict: { kind: 'wrong' }, prediction: { kind: 'diagnosis', topK: [] } };
    const parsed = parseBatchRecords([good, bad, 'nope']);
    expect(parsed[0]).toEqual({ index: 0, ok: true, record: good });
    const second = parsed[1];
    expect(second?.ok).toBe(false);
    if (second?.ok !== false || second.ack.status !== 'rejected') throw new Error('expected rejection');
    expect(second.ack.id).toBe(bad.id);
    expect(second.ack.errors.map((e) => e.path).sort()).toEqual(['prediction.topK', 'verdict.correctedLabel']);
    const third = parsed[2];
    if (third?.ok !== false || third.ack.status !== 'rejected') throw new Error('expected rejection');
    expect(third.ack.id).toBeNull();
  });

  it('refuses an uppercase or non-v7 id', () => {
    const upper = parseBatchRecords([{ ...makeRecord(3), id: makeRecord(3).id.toUpperCase() }]);
    expect(upper[0]?.ok).toBe(false);
    const v4 = parseBatchRecords([{ ...makeRecord(4), id: '0f8fad5b-d9cb-469f-a165-70867728950e' }]);
    expect(v4[0]?.ok).toBe(false);
  });

  it('bounds the envelope', () => {
    expect(feedbackBatchRequest.safeParse({ records: [] }).success).toBe(false);
    expect(feedbackBatchRequest.safeParse({ records: new Array(101).fill({}) }).success).toBe(false);
    expect(feedbackBatchRequest.safeParse({ records: [{}] }).success).toBe(true);
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap, scaled by jitter', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, opts, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(5, opts, () => 0)).toBe(0);
    expect(() => backoffDelay(-1, opts, Math.random)).toThrow(RangeError);
  });

  it('reads Retry-After in seconds and as a date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null, 0)).toBeNull();
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});
