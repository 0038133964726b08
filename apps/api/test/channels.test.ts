// Release channels, staged rollout, rollback and the bundle file route's ranges and ETags.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assignedVersion,
  checkNotRolledBack,
  cohortOf,
  generateKeyPair,
  type RollbackStatement,
  sha256Hex,
  type TrustedKey,
} from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedManifest } from '../src/env.ts';
import { type Channels, channels, memoryChannelStore } from '../src/registry/channels.ts';
import { type BundleRegistry, localRegistry, PromotionRefusedError } from '../src/registry/registry.ts';
import { parseRange } from '../src/routes/bundles.ts';
import { call, type Harness, openHarness } from './harness.ts';
import { otaBundle } from './ota-bundles.ts';

const publisher = generateKeyPair();
const maintainerKey = generateKeyPair();
const trusted: TrustedKey[] = [publisher, maintainerKey].map(({ keyId, publicKeyHex }) => ({ keyId, publicKeyHex }));
let tmp: string;
let registry: BundleRegistry;
let chs: Channels;
let h: Harness;
let bundles: Record<string, string>;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'leafcheck-channels-'));
  registry = localRegistry(join(tmp, 'registry'), trusted);
  bundles = {};
  for (const [version, heads] of [
    ['1.0.0', 'heads.onnx'],
    ['1.1.0', 'heads-retrained.onnx'],
    ['1.2.0', 'heads.onnx'],
  ] as const) {
    bundles[version] = await otaBundle(tmp, publisher.privateKeyHex, { version, heads });
    await registry.publish(dirSource(bundles[version] as string));
  }
  chs = channels({ store: memoryChannelStore(), registry, signingKeyHex: () => maintainerKey.privateKeyHex });
  h = await openHarness('sqlite', { registry, channels: chs });
});
afterAll(async () => {
  await h.close();
  await rm(tmp, { recursive: true, force: true });
});

const devices = Array.from({ length: 10_000 }, (_, i) => `device-${i.toString(36).padStart(6, '0')}`);

describe('cohorts', () => {
  it('a 10% rollout reaches 10% +/- 2% of 10,000 device ids, and the same ones every time', () => {
    const state = { channel: 'beta' as const, base: '1.0.0', rollout: { version: '1.1.0', percent: 10, paused: false }, rollback: null };
    const reached = devices.filter((d) => assignedVersion(state, d) === '1.1.0');
    expect(reached.length / devices.length).toBeGreaterThanOrEqual(0.08);
    expect(reached.length / devices.length).toBeLessThanOrEqual(0.12);
    expect(devices.filter((d) => assignedVersion(state, d) === '1.1.0')).toEqual(reached);
    // Widening keeps the first cohort.
    const wider = new Set(devices.filter((d) => assignedVersion({ ...state, rollout: { ...state.rollout, percent: 50 } }, d) === '1.1.0'));
    expect(reached.every((d) => wider.has(d))).toBe(true);
    expect(wider.size / devices.length).toBeGreaterThan(0.48);
    expect(wider.size / devices.length).toBeLessThan(0.52);
    expect(cohortOf('device-000001')).toBe(cohortOf('device-000001'));
  });
});

describe('channel routes', () => {
  const m = () => h.tokens.maintainer;
  const assignment = async (device: string, headers: Record<string, string> = {}) =>
    call(h, 'GET', `/v1/channels/beta/assignment?device=${device}`, null, undefined, headers);

  it('only a maintainer may act on a channel', async () => {
    expect((await call(h, 'POST', '/v1/channels/beta/publish', h.tokens.device, { version: '1.0.0', percent: 100 })).status).toBe(403);
    expect((await call(h, 'POST', '/v1/channels/beta/publish', null, { version: '1.0.0', percent: 100 })).status).toBe(401);
    expect((await call(h, 'POST', '/v1/channels/nightly/publish', m(), { version: '1.0.0', percent: 100 })).status).toBe(400);
  });

  it('publish, staged rollout, pause, promote, rollback; each recorded with who and when', async () => {
    expect((await (await assignment('device-000001')).json()).version).toBeNull();
    expect((await call(h, 'POST', '/v1/channels/beta/publish', m(), { version: '9.9.9', percent: 100 })).status).toBe(409);
    const base = await call(h, 'POST', '/v1/channels/beta/publish', m(), { version: '1.0.0', percent: 100 });
    expect(await base.json()).toMatchObject({ base: '1.0.0', rollout: null });
    const staged = await call(h, 'POST', '/v1/channels/beta/publish', m(), { version: '1.1.0', percent: 10 });
    expect(await staged.json()).toMatchObject({ base: '1.0.0', rollout: { version: '1.1.0', percent: 10, paused: false } });
    const early = devices.find((d) => cohortOf(d) < 10) as string;
    const late = devices.find((d) => cohortOf(d) >= 10) as string;
    const a = await assignment(early);
    const body = await a.json();
    expect(body).toMatchObject({ version: '1.1.0', bundleUrl: '/v1/bundles/1.1.0/', rollback: null });
    expect(body.manifestSha256).toBe(await sha256Hex(new Uint8Array(await readFile(join(bundles['1.1.0'] as string, 'manifest.json')))));
    expect((await (await assignment(late)).json()).version).toBe('1.0.0');
    // Cheap and cacheable: an ETag, a max-age, and 304 when unchanged.
    expect(a.headers.get('cache-control')).toBe('public, max-age=60');
    const again = await assignment(early, { 'if-none-match': a.headers.get('etag') as string });
    expect(again.status).toBe(304);

    expect((await call(h, 'POST', '/v1/channels/beta/pause', m())).status).toBe(200);
    const refused = await call(h, 'POST', '/v1/channels/beta/promote', m(), { percent: 50 });
    expect([refused.status, (await refused.json()).message]).toEqual([409, 'the rollout of 1.1.0 on beta is paused; resume it first']);
    expect((await call(h, 'POST', '/v1/channels/beta/resume', m())).status).toBe(200);
    expect(await (await call(h, 'POST', '/v1/channels/beta/promote', m(), { percent: 50 })).json()).toMatchObject({
      rollout: { percent: 50 },
    });

    // Roll back: the early phone goes back to 1.0.0 and carries a statement it can verify.
    const back = await call(h, 'POST', '/v1/channels/beta/rollback', m(), { reason: 'misreads rust' });
    expect(await back.json()).toMatchObject({ base: '1.0.0', rollout: null });
    const down = await (await assignment(early, { 'if-none-match': a.headers.get('etag') as string })).json();
    expect(down.version).toBe('1.0.0');
    const statement = down.rollback as RollbackStatement;
    expect(statement).toMatchObject({
      fromVersion: '1.1.0',
      toVersion: '1.0.0',
      reason: 'misreads rust',
    });
    expect(statement.issuedBy).toMatch(/^m \(token [0-9a-f-]+\)$/);
    expect(() =>
      checkNotRolledBack('1.0.0', down.manifestSha256, { highestVerified: '1.1.0', rollback: statement, trusted }),
    ).not.toThrow();
    expect(() => checkNotRolledBack('1.0.0', down.manifestSha256, { highestVerified: '1.1.0', trusted })).toThrow(/no signed rollback/);

    const list = await (await call(h, 'GET', '/v1/channels', m())).json();
    expect(list.history.map((e: { action: string }) => e.action)).toEqual(['publish', 'publish', 'pause', 'resume', 'promote', 'rollback']);
    for (const e of list.history) {
      expect(e.by).toMatch(/^m \(token [0-9a-f-]+\)$/);
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
    expect(list.history.at(-1)).toMatchObject({ action: 'rollback', version: '1.0.0', reason: 'misreads rust' });
  });

  it('rolls the base back to the previous one, and refuses an older publish', async () => {
    expect((await call(h, 'POST', '/v1/channels/stable/publish', m(), { version: '1.1.0', percent: 100 })).status).toBe(200);
    expect((await call(h, 'POST', '/v1/channels/stable/publish', m(), { version: '1.2.0', percent: 100 })).status).toBe(200);
    const older = await call(h, 'POST', '/v1/channels/stable/publish', m(), { version: '1.0.0', percent: 100 });
    expect([older.status, (await older.json()).message]).toEqual([409, 'bundle 1.0.0 is not newer than 1.2.0, which channel stable runs']);
    const back = await (await call(h, 'POST', '/v1/channels/stable/rollback', m(), {})).json();
    expect(back).toMatchObject({ base: '1.1.0', rollback: { fromVersion: '1.2.0', toVersion: '1.1.0' } });
    const sent = await (await call(h, 'GET', '/v1/channels/stable/assignment?device=device-000001', null)).json();
    expect(sent).toMatchObject({ version: '1.1.0', rollback: { toVersion: '1.1.0' } });
  });
});

describe('bundle files: strong ETags and byte ranges', () => {
  const heads = async () => {
    const m = JSON.parse(await readFile(join(bundles['1.1.0'] as string, 'manifest.json'), 'utf8'));
    const file = m.models.species.file as string;
    return { file, bytes: new Uint8Array(await readFile(join(bundles['1.1.0'] as string, file))), sha256: m.models.species.sha256 };
  };

  it('serves the whole file with its sha256 as a strong ETag, and 304 for If-None-Match', async () => {
    const { file, bytes, sha256 } = await heads();
    const res = await call(h, 'GET', `/v1/bundles/1.1.0/${file}`, null);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${sha256}"`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect((await call(h, 'GET', `/v1/bundles/1.1.0/${file}`, null, undefined, { 'if-none-match': `"${sha256}"` })).status).toBe(304);
  });

  it('answers a range with 206 and exactly those bytes; a stale If-Range gets the whole file', async () => {
    const { file, bytes, sha256 } = await heads();
    const res = await call(h, 'GET', `/v1/bundles/1.1.0/${file}`, null, undefined, { range: 'bytes=100-', 'if-range': `"${sha256}"` });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-${bytes.length - 1}/${bytes.length}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.subarray(100));
    const stale = await call(h, 'GET', `/v1/bundles/1.1.0/${file}`, null, undefined, { range: 'bytes=100-', 'if-range': '"other"' });
    expect([stale.status, (await stale.arrayBuffer()).byteLength]).toEqual([200, bytes.length]);
    const past = await call(h, 'GET', `/v1/bundles/1.1.0/${file}`, null, undefined, { range: `bytes=${bytes.length}-` });
    expect([past.status, past.headers.get('content-range')]).toEqual([416, `bytes */${bytes.length}`]);
  });

  it.each([
    ['bytes=0-9', [0, 9]],
    ['bytes=10-', [10, 99]],
    ['bytes=-10', [90, 99]],
    ['bytes=90-500', [90, 99]],
    ['bytes=-500', [0, 99]],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=5-2', null],
    ['bytes=0-1,5-6', null],
    ['items=0-1', null],
    [undefined, null],
  ] as const)('parseRange(%s) of 100 bytes', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});

describe('the first publish is gated against the embedded default', () => {
  it('a registry with nothing published still refuses a bundle that is not newer than the one phones run', async () => {
    const baseline = () => embeddedManifest(bundles['1.1.0'] as string);
    const fresh = localRegistry(join(tmp, 'fresh'), trusted, undefined, baseline);
    const err = await fresh.publish(dirSource(bundles['1.0.0'] as string)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromotionRefusedError);
    expect((err as PromotionRefusedError).report.currentVersion).toBe('1.1.0');
    expect((await fresh.publish(dirSource(bundles['1.2.0'] as string))).gate?.currentVersion).toBe('1.1.0');
  });
});
