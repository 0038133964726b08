// Retrain runs through the API with the local backend and a fake trainer command (never trains), publishing
// through the gated registry. On SQLite and, with TEST_DATABASE_URL, PostgreSQL.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleManifest, generateKeyPair, type TrustedKey } from '@leafcheck/bundle';
import { dirSource, writeSignedBundle } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/env.ts';
import { localRegistry } from '../src/registry/registry.ts';
import { localBackend, TrainingError } from '../src/training/backend.ts';
import type { RunView } from '../src/training/runs.ts';
import { fakeTrainerCommand } from './fake-trainer-command.ts';
import { record, TINY_JPEG_BASE64 } from './fixtures.ts';
import { call, describeEachBackend, type Harness, openHarness } from './harness.ts';

const FIXTURE = join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts');
const key = generateKeyPair();
const trusted: TrustedKey[] = [{ keyId: key.keyId, publicKeyHex: key.publicKeyHex }];
const BASE_CONFIG = `[data]\nroot = "../shared/data"\n\n[train]\nrun_dir = "trainer/runs/default"\nseed = 0\n\n[bundle]\nout = "bundles/default"\nversion = "1.3.0"\n\n[[bundle.sources]]\nprefix = "x/"\n`;

async function until<T>(get: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (done(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Each fake run starts a Node process (about a second on a busy machine).
describeEachBackend('retrain runs on %s', { timeout: 60_000 }, (backend) => {
  let h: Harness;
  let work: string;
  const settings = () => join(work, 'fake.json');
  const fake = (s: { metrics?: Record<string, number>; exitCode?: number; sleepMs?: number }) =>
    writeFile(settings(), JSON.stringify({ keyPath: join(work, 'key.json'), ...s }));
  const run = async (id: string) => (await call(h, 'GET', `/v1/retrain/runs/${id}`, h.tokens.maintainer)).json() as Promise<RunView>;
  const finished = (id: string) =>
    until(
      () => run(id),
      (r) => r.state !== 'running',
    );
  const start = async () => {
    const res = await call(h, 'POST', '/v1/retrain/runs', h.tokens.maintainer);
    return { status: res.status, body: (await res.json()) as RunView & { error: string; message: string } };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leafcheck-retrain-'));
    await writeFile(join(work, 'key.json'), JSON.stringify(key));
    await writeFile(join(work, 'base.toml'), BASE_CONFIG);
    const registry = localRegistry(join(work, 'registry'), trusted);
    const current = join(work, 'current');
    await cp(FIXTURE, current, { recursive: true });
    const manifest = JSON.parse(await readFile(join(current, 'manifest.json'), 'utf8')) as BundleManifest;
    await writeSignedBundle(current, { ...manifest, bundleVersion: '1.3.0', metrics: { 'disease.top1': 0.25 } }, key.privateKeyHex);
    await registry.publish(dirSource(current));
    const command = fakeTrainerCommand(settings);
    const training = { backend: localBackend(command, REPO_ROOT), runsDir: join(work, 'runs'), baseConfigPath: join(work, 'base.toml') };
    h = await openHarness(backend, { registry, training });
  });
  afterAll(async () => {
    await h.close();
    await rm(work, { recursive: true, force: true });
  });

  it('starts one run at a time, reports its log and the gate report, and publishes the candidate', async () => {
    await fake({ metrics: { 'disease.top1': 0.3 }, sleepMs: 400 });
    const started = await start();
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ state: 'running', version: '1.4.0', backend: 'local', candidate: null });
    expect(await start()).toMatchObject({ status: 409, body: { error: 'conflict', message: expect.stringContaining(started.body.id) } });

    const done = await finished(started.body.id);
    expect(done).toMatchObject({ state: 'succeeded', error: null, candidate: { version: '1.4.0', error: null } });
    expect(done.logTail).toContain('== pipeline (fake)');
    expect(done.logTail).toContain('bundle 1.4.0 written');
    expect(done.candidate?.gate).toMatchObject({ pass: true, candidateVersion: '1.4.0', currentVersion: '1.3.0' });
    const config = await readFile(join(work, 'runs', done.id, 'config.toml'), 'utf8');
    expect(config).toContain(`run_dir = ${JSON.stringify(join(work, 'runs', done.id, 'run'))}`);
    expect(config).toContain(`out = ${JSON.stringify(join(work, 'runs', done.id, 'bundle'))}`);
    expect(config).toContain('version = "1.4.0"');

    const published = await call(h, 'POST', `/v1/retrain/runs/${done.id}/publish`, h.tokens.maintainer);
    expect(published.status).toBe(200);
    expect(await published.json()).toMatchObject({ published: { version: '1.4.0', gate: { pass: true, currentVersion: '1.3.0' } } });
    expect(await (await call(h, 'GET', '/v1/bundles', null)).json()).toMatchObject({ latest: '1.4.0' });
    expect(await run(done.id)).toMatchObject({ state: 'published', publishedAt: expect.any(String) });
    const again = await call(h, 'POST', `/v1/retrain/runs/${done.id}/publish`, h.tokens.maintainer);
    expect(again.status).toBe(409);

    // The next run is the newest published bundle's minor + 1.
    await fake({ metrics: { 'disease.top1': 0.3 } });
    const next = await start();
    expect(next).toMatchObject({ status: 201, body: { version: '1.5.0' } });
    expect((await finished(next.body.id)).state).toBe('succeeded');
  });

  it('a head run snapshots the reviewed export (hash in the run and its config), records its time and cost, and is listed', async () => {
    const [rec] = [
      record(41, {
        photoJpegBase64: TINY_JPEG_BASE64,
        prediction: { kind: 'diagnosis', crop: 'Tomato', topK: [{ label: 'Tomato___healthy', probability: 0.6 }] },
      }),
    ];
    expect((await call(h, 'POST', '/v1/feedback', h.tokens.device, { records: [rec] })).status).toBe(200);
    expect(
      (await call(h, 'POST', `/v1/review/${rec?.id}`, h.tokens.agronomist, { decision: 'label', label: 'Tomato___Late_blight' })).status,
    ).toBe(200);
    await fake({ metrics: { 'disease.top1': 0.3 } });
    const res = await call(h, 'POST', '/v1/retrain/runs', h.tokens.maintainer, { kind: 'head' });
    expect(res.status).toBe(201);
    const started = (await res.json()) as RunView;
    expect(started).toMatchObject({
      kind: 'head',
      feedback: { records: 1, skipped: {}, exportSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const snapshot = await readFile(join(work, 'runs', started.id, 'feedback-export.tar.gz'));
    expect(createHash('sha256').update(snapshot).digest('hex')).toBe(started.feedback?.exportSha256);
    const config = await readFile(join(work, 'runs', started.id, 'config.toml'), 'utf8');
    expect(config).toContain(`[run]\nkind = "head"`);
    expect(config).toContain(`[feedback]\nexport = ${JSON.stringify(join(work, 'runs', started.id, 'feedback-export.tar.gz'))}`);
    expect(config).toContain(`feature_cache = ${JSON.stringify(join(work, 'runs', 'feature-cache'))}`);
    const done = await finished(started.id);
    expect(done.state).toBe('succeeded');
    // The fake trainer runs a second or so: the wrapper measured it, CPU time included; no GPU, so no cost here.
    expect(done.usage).toMatchObject({
      wallSeconds: expect.any(Number),
      cpuSeconds: expect.any(Number),
      gpuSeconds: null,
      estimatedCostUsd: 0,
    });
    expect(done.usage?.wallSeconds).toBeGreaterThan(0.1);
    expect(done.usage?.cpuSeconds).toBeGreaterThan(0.05);
    const list = (await (await call(h, 'GET', '/v1/retrain/runs', h.tokens.maintainer)).json()) as { runs: RunView[] };
    expect(list.runs[0]).toMatchObject({ id: started.id, kind: 'head', state: 'succeeded' });
    expect(list.runs.length).toBeGreaterThanOrEqual(3);
    expect((await call(h, 'GET', '/v1/retrain/runs', h.tokens.agronomist)).status).toBe(403);
  });

  it('reports a failing trainer, and refuses to publish a candidate that fails the gate', async () => {
    await fake({ exitCode: 3 });
    const failed = await finished((await start()).body.id);
    expect(failed).toMatchObject({ state: 'failed', error: 'pipeline exited with code 3', candidate: null });
    expect(failed.logTail).toContain('fake trainer failing with 3');
    expect((await call(h, 'POST', `/v1/retrain/runs/${failed.id}/publish`, h.tokens.maintainer)).status).toBe(409);

    await fake({ metrics: { 'disease.top1': 0.2 } });
    const worse = await finished((await start()).body.id);
    expect(worse.state).toBe('succeeded');
    expect(worse.candidate?.gate).toMatchObject({ pass: false, currentVersion: '1.4.0' });
    const refused = await call(h, 'POST', `/v1/retrain/runs/${worse.id}/publish`, h.tokens.maintainer);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      error: 'gate-failed',
      message: expect.stringMatching(/primary-metric disease\.top1/),
      gate: { pass: false, checks: expect.arrayContaining([expect.objectContaining({ subject: 'disease.top1', pass: false })]) },
    });
    expect(await (await call(h, 'GET', '/v1/bundles', null)).json()).toMatchObject({ latest: '1.4.0' });
  });

  it('marks a run that never got a backend id after a minute as failed, freeing the slot', async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    const startedAt = new Date(Date.now() - 120_000).toISOString();
    await h.db.db
      .insertInto('retrain_run')
      .values({
        id,
        backend: 'local',
        external_id: null,
        state: 'running',
        active: 'active',
        version: '9.9.0',
        dir: join(work, 'runs', id),
        error: null,
        started_by: 'x',
        started_at: startedAt,
        finished_at: null,
        published_at: null,
      })
      .execute();
    expect(await run(id)).toMatchObject({ state: 'failed', error: 'the run never started (the API stopped while starting it)' });
    expect(await h.db.db.selectFrom('retrain_run').select('id').where('active', '=', 'active').execute()).toEqual([]);
  });

  it('answers 404 for an unknown run and 400 for a malformed id', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call(h, 'GET', `/v1/retrain/runs/${unknown}`, h.tokens.maintainer)).status).toBe(404);
    expect((await call(h, 'POST', `/v1/retrain/runs/${unknown}/publish`, h.tokens.maintainer)).status).toBe(404);
    const bad = await call(h, 'GET', '/v1/retrain/runs/not-an-id', h.tokens.maintainer);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'validation', issues: [expect.objectContaining({ path: 'id' })] });
  });
});

describe('retrain runs without a working backend', () => {
  it('answer 503 when no backend is configured, and 502 (run recorded failed, slot freed) when it cannot start', async () => {
    const none = await openHarness('sqlite');
    try {
      expect((await call(none, 'POST', '/v1/retrain/runs', none.tokens.maintainer)).status).toBe(503);
    } finally {
      await none.close();
    }
    const work = await mkdtemp(join(tmpdir(), 'leafcheck-retrain-'));
    const registry = localRegistry(join(work, 'registry'), trusted);
    const broken = async (): Promise<string[]> => {
      throw new TrainingError('could not prepare the trainer environment: no python3.11');
    };
    const h = await openHarness('sqlite', {
      registry,
      training: {
        backend: localBackend(broken, REPO_ROOT),
        runsDir: join(work, 'runs'),
        baseConfigPath: join(REPO_ROOT, 'trainer/configs/default.toml'),
      },
    });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await call(h, 'POST', '/v1/retrain/runs', h.tokens.maintainer);
        expect(res.status).toBe(502);
        expect(await res.json()).toEqual({
          error: 'training-backend',
          message: 'could not prepare the trainer environment: no python3.11',
        });
      }
      const rows = await h.db.db.selectFrom('retrain_run').selectAll().execute();
      expect(rows.map((r) => [r.state, r.active, r.version])).toEqual([
        ['failed', null, '1.1.0'],
        ['failed', null, '1.1.0'],
      ]);
    } finally {
      await h.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
