// Load shedding: the process's and each token's in-flight bounds answer at once with Retry-After, and failed
// sign-ins are limited per client address (before any token lookup), without locking out known tokens.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_LIMITS } from '../src/boundary/load-shedding.ts';
import type { AppConfig } from '../src/context.ts';
import { record } from './fixtures.ts';
import { call, type Harness, openHarness } from './harness.ts';

const many = { burst: 1e6, perSecond: 1e6 };
const opened: Harness[] = [];
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close();
});

async function open(config: Partial<AppConfig>): Promise<Harness> {
  const h = await openHarness('sqlite', { config: { rateLimits: { device: many, agronomist: many, maintainer: many }, ...config } });
  opened.push(h);
  return h;
}

/** Holds every feedback insert until release(): requests stay in flight. */
function holdInserts(harness: Harness): { release: () => void; started: () => number } {
  const feedback = harness.deps.storage.feedback;
  const insert = feedback.insert.bind(feedback);
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let count = 0;
  feedback.insert = async (...args) => {
    count++;
    await gate;
    return insert(...args);
  };
  return { release: () => open(), started: () => count };
}

const post = (harness: Harness, token: string, n: number) => call(harness, 'POST', '/v1/feedback', token, { records: [record(n)] });

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('load shedding', () => {
  it('answers 503 with Retry-After past the process bound, and serves again once requests finish', async () => {
    const harness = await open({ load: { ...DEFAULT_LOAD_LIMITS, maxInFlight: 2, maxQueued: 0, retryAfterSeconds: 3 } });
    const held = holdInserts(harness);
    const first = [post(harness, harness.tokens.device, 1), post(harness, harness.tokens.device, 2)];
    await until(() => held.started() === 2);
    const refused = await post(harness, harness.tokens.device, 3);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(await refused.json()).toEqual({ error: 'overloaded', message: 'the server is busy; retry in 3 s' });
    // Cheap refusals: even healthz-like reads are refused while full, and the record was not stored.
    expect((await call(harness, 'GET', '/v1/feedback/stats', harness.tokens.agronomist)).status).toBe(503);
    held.release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    expect((await post(harness, harness.tokens.device, 3)).status).toBe(200);
    expect((await call(harness, 'GET', '/healthz', null)).status).toBe(200);
  });

  it('lets a short burst wait for a slot, and refuses what waited longer than maxQueueMs', async () => {
    const harness = await open({ load: { ...DEFAULT_LOAD_LIMITS, maxInFlight: 1, maxQueued: 1, maxQueueMs: 2_000 } });
    const held = holdInserts(harness);
    const first = post(harness, harness.tokens.device, 20);
    await until(() => held.started() === 1);
    const queued = post(harness, harness.tokens.device, 21); // waits in the queue
    await new Promise((r) => setTimeout(r, 20));
    const overflow = await post(harness, harness.tokens.device, 22); // the queue is full
    expect(overflow.status).toBe(503);
    held.release();
    expect((await first).status).toBe(200);
    expect((await queued).status).toBe(200);

    const slow = await open({ load: { ...DEFAULT_LOAD_LIMITS, maxInFlight: 1, maxQueued: 10, maxQueueMs: 50 } });
    const stuck = holdInserts(slow);
    const running = post(slow, slow.tokens.device, 30);
    await until(() => stuck.started() === 1);
    const t0 = performance.now();
    const late = await post(slow, slow.tokens.device, 31);
    expect(late.status).toBe(503);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    stuck.release();
    expect((await running).status).toBe(200);
  });

  it('answers 429 with Retry-After past one token in flight; other tokens go on', async () => {
    const harness = await open({
      load: { ...DEFAULT_LOAD_LIMITS, maxInFlight: 100, maxInFlightPerToken: { device: 1, agronomist: 1, maintainer: 1 } },
    });
    const other = (await harness.deps.storage.tokens.issue('device', 'second phone')).token;
    const held = holdInserts(harness);
    const first = post(harness, harness.tokens.device, 10);
    await until(() => held.started() === 1);
    const refused = await post(harness, harness.tokens.device, 11);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const second = post(harness, other, 12);
    await until(() => held.started() === 2);
    held.release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await post(harness, harness.tokens.device, 11)).status).toBe(200);
  });
});

describe('Retry-After reaches the PWA', () => {
  it('is exposed to the app origin by CORS (it is not a safelisted response header)', async () => {
    const harness = await open({ load: { ...DEFAULT_LOAD_LIMITS, maxInFlight: 1, maxQueued: 0 } });
    const held = holdInserts(harness);
    const first = post(harness, harness.tokens.device, 40);
    await until(() => held.started() === 1);
    const refused = await call(
      harness,
      'POST',
      '/v1/feedback',
      harness.tokens.device,
      { records: [record(41)] },
      { origin: 'https://app.leafcheck.test' },
    );
    expect(refused.status).toBe(503);
    expect(
      refused.headers
        .get('access-control-expose-headers')
        ?.split(',')
        .map((h) => h.trim()),
    ).toContain('retry-after');
    held.release();
    expect((await first).status).toBe(200);
  });
});

describe('failed sign-ins per address', () => {
  it('after the burst, unknown tokens get 429 without a lookup; a token verified before still works', async () => {
    const harness = await open({ failedAuthPerAddress: { burst: 5, perSecond: 0.01 } });
    expect((await call(harness, 'GET', '/v1/feedback/stats', harness.tokens.agronomist)).status).toBe(200);
    const tokens = harness.deps.storage.tokens;
    const verify = tokens.verify.bind(tokens);
    let lookups = 0;
    tokens.verify = (token) => {
      lookups++;
      return verify(token);
    };
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await call(harness, 'GET', '/v1/feedback/stats', `guess-${i}-${'x'.repeat(20)}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    expect(lookups).toBe(5);
    const throttled = await call(harness, 'GET', '/v1/feedback/stats', 'guess-again-xxxxxxxxxxxxxxxxxxxx');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // The agronomist's phone behind the same address is not locked out.
    expect((await call(harness, 'GET', '/v1/feedback/stats', harness.tokens.agronomist)).status).toBe(200);
  });
});
