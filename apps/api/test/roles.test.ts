// Every role is refused on every route it must not reach; no token and revoked tokens are refused everywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/db/token-store.ts';
import { record } from './fixtures.ts';
import { call, describeEachBackend, type Harness, openHarness } from './harness.ts';

const id = record(1).id;
const run = '00000000-0000-4000-8000-000000000000';
// `passes`: what a permitted role gets when past auth, where not 200/404 (the harness has no training backend: 503).
const routes: Array<{ method: string; path: string; openapi: string; body?: unknown; allowed: Role[]; passes?: number }> = [
  { method: 'POST', path: '/v1/feedback', openapi: '/v1/feedback', body: { records: [record(2)] }, allowed: ['device'] },
  { method: 'GET', path: '/v1/feedback/stats', openapi: '/v1/feedback/stats', allowed: ['agronomist', 'maintainer'] },
  { method: 'GET', path: '/v1/review', openapi: '/v1/review', allowed: ['agronomist', 'maintainer'] },
  { method: 'GET', path: `/v1/review/${id}`, openapi: '/v1/review/{id}', allowed: ['agronomist', 'maintainer'] },
  { method: 'GET', path: `/v1/review/${id}/photo`, openapi: '/v1/review/{id}/photo', allowed: ['agronomist', 'maintainer'] },
  { method: 'GET', path: `/v1/review/${id}/suggestion`, openapi: '/v1/review/{id}/suggestion', allowed: ['agronomist', 'maintainer'] },
  { method: 'POST', path: `/v1/review/${id}`, openapi: '/v1/review/{id}', body: { decision: 'skip' }, allowed: ['agronomist'] },
  {
    method: 'POST',
    path: '/v1/translations/flags',
    openapi: '/v1/translations/flags',
    body: { label: 'Tomato___Late_blight', language: 'sw', note: 'wrong word' },
    allowed: ['agronomist'],
  },
  { method: 'GET', path: '/v1/translations/flags', openapi: '/v1/translations/flags', allowed: ['agronomist', 'maintainer'] },
  { method: 'GET', path: '/v1/export', openapi: '/v1/export', allowed: ['maintainer'] },
  { method: 'GET', path: '/v1/retrain/decision', openapi: '/v1/retrain/decision', allowed: ['maintainer'] },
  { method: 'POST', path: '/v1/retrain/runs', openapi: '/v1/retrain/runs', allowed: ['maintainer'], passes: 503 },
  { method: 'GET', path: '/v1/retrain/runs', openapi: '/v1/retrain/runs', allowed: ['maintainer'], passes: 503 },
  { method: 'GET', path: `/v1/retrain/runs/${run}`, openapi: '/v1/retrain/runs/{id}', allowed: ['maintainer'], passes: 503 },
  {
    method: 'POST',
    path: `/v1/retrain/runs/${run}/publish`,
    openapi: '/v1/retrain/runs/{id}/publish',
    allowed: ['maintainer'],
    passes: 503,
  },
  // Release channels (none configured in this harness, so an allowed call gets 503).
  { method: 'GET', path: '/v1/channels', openapi: '/v1/channels', allowed: ['maintainer'], passes: 503 },
  ...(
    [
      ['publish', { version: '1.0.0', percent: 10 }],
      ['promote', { percent: 50 }],
      ['pause', undefined],
      ['resume', undefined],
      ['rollback', {}],
    ] as const
  ).map(([action, body]) => ({
    method: 'POST',
    path: `/v1/channels/beta/${action}`,
    openapi: `/v1/channels/{channel}/${action}`,
    ...(body ? { body } : {}),
    allowed: ['maintainer'] as Role[],
    passes: 503,
  })),
];
const roles: Role[] = ['device', 'agronomist', 'maintainer'];
const refused = routes.flatMap((route) => roles.filter((role) => !route.allowed.includes(role)).map((role) => ({ ...route, role })));
const permitted = routes.flatMap((route) => route.allowed.map((role) => ({ ...route, role })));

describeEachBackend('roles on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // Every route is tried with bad tokens; the per-address failed-sign-in limit is tested on its own, not here.
    h = await openHarness(backend, { config: { failedAuthPerAddress: { burst: 1000, perSecond: 100 } } });
    await call(h, 'POST', '/v1/feedback', h.tokens.device, { records: [record(1)] });
  });
  afterAll(() => h.close());

  it('the table covers every protected route of the OpenAPI document', async () => {
    const doc = (await (await call(h, 'GET', '/openapi.json', null)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .filter(
        (r) =>
          !['GET /healthz', 'GET /v1/bundles', 'GET /v1/bundles/{version}/{file}', 'GET /v1/channels/{channel}/assignment'].includes(r),
      )
      .sort();
    expect(documented).toEqual(routes.map((r) => `${r.method} ${r.openapi}`).sort());
  });

  it.each(refused)('$role is refused on $method $openapi', async ({ method, path, body, role }) => {
    const res = await call(h, method, path, h.tokens[role], body);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden' });
  });

  it.each(permitted)('$role may use $method $openapi', async ({ method, path, body, role, passes }) => {
    const res = await call(h, method, path, h.tokens[role], body);
    expect(passes ? [passes] : [200, 404]).toContain(res.status);
  });

  it.each(routes)('no token or a bad one is refused on $method $openapi', async ({ method, path, body }) => {
    expect((await call(h, method, path, null, body)).status).toBe(401);
    expect((await call(h, method, path, 'lc_device_000000000000_forged-token-value', body)).status).toBe(401);
  });

  it('a revoked token stops working at once', async () => {
    const { info, token } = await h.deps.storage.tokens.issue('maintainer', 'short-lived');
    expect((await call(h, 'GET', '/v1/export', token)).status).toBe(200);
    expect(await h.deps.storage.tokens.revoke(info.id)).toBe(true);
    expect((await call(h, 'GET', '/v1/export', token)).status).toBe(401);
    expect(await h.deps.storage.tokens.revoke(info.id)).toBe(false);
  });

  it('stores tokens only as sha256 hashes', async () => {
    const { token } = await h.deps.storage.tokens.issue('device', 'hash check');
    const rows = await h.db.db.selectFrom('api_token').selectAll().execute();
    for (const row of rows) expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('public routes need no token', async () => {
    expect(await (await call(h, 'GET', '/healthz', null)).json()).toEqual({ ok: true, bundleVersion: '1.0.0' });
    expect((await call(h, 'GET', '/openapi.json', null)).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('limit each token separately and answer 429 with Retry-After', async () => {
    const h = await openHarness('sqlite', {
      config: {
        rateLimits: {
          device: { burst: 2, perSecond: 0.5 },
          agronomist: { burst: 2, perSecond: 0.5 },
          maintainer: { burst: 2, perSecond: 0.5 },
        },
      },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(h, 'GET', '/v1/feedback/stats', h.tokens.agronomist)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const limited = await call(h, 'GET', '/v1/feedback/stats', h.tokens.agronomist);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await call(h, 'GET', '/v1/feedback/stats', h.tokens.maintainer)).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
