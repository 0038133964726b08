// The retrain scheduler: off unless LEAFCHECK_RETRAIN_SCHEDULE is set; when the decision fires it starts a head run
// (the fake trainer, never trains), one at a time, within the weekly run and monthly cost budget.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleManifest, generateKeyPair } from '@leafcheck/bundle';
import { dirSource, writeSignedBundle } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, schedulerFromEnv } from '../src/env.ts';
import { localRegistry } from '../src/registry/registry.ts';
import { localBackend } from '../src/training/backend.ts';
import { trainingRunsOf } from '../src/training/runs.ts';
import { parseSchedule, retrainScheduler } from '../src/training/scheduler.ts';
import { fakeTrainerCommand } from './fake-trainer-command.ts';
import { type Harness, openHarness } from './harness.ts';

const key = generateKeyPair();

describe('retrain scheduler', { timeout: 60_000 }, () => {
  let h: Harness;
  let work: string;
  let fires = true;
  let clock = new Date('2026-12-01T00:00:00Z');
  const logged: string[] = [];
  const scheduler = (budget = { maxRunsPerWeek: 2, maxCostPerMonthUsd: 5 }) =>
    retrainScheduler({
      decide: async () => ({
        retrain: fires,
        triggers: fires ? [{ rule: 'new-classes', reason: 'reviewed labels the bundle lacks: X' }] : [],
      }),
      runs: trainingRunsOf(h.deps, () => clock) as NonNullable<ReturnType<typeof trainingRunsOf>>,
      store: h.deps.storage.runs,
      budget,
      now: () => clock,
      log: (line) => logged.push(line),
    });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leafcheck-scheduler-'));
    await writeFile(join(work, 'key.json'), JSON.stringify(key));
    await writeFile(join(work, 'fake.json'), JSON.stringify({ keyPath: join(work, 'key.json') }));
    await writeFile(join(work, 'base.toml'), '[train]\nrun_dir = "r"\n[bundle]\nout = "b"\nversion = "1.0.0"\n');
    const registry = localRegistry(join(work, 'registry'), [{ keyId: key.keyId, publicKeyHex: key.publicKeyHex }]);
    await cp(join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts'), join(work, 'current'), { recursive: true });
    const manifest = JSON.parse(await readFile(join(work, 'current', 'manifest.json'), 'utf8')) as BundleManifest;
    await writeSignedBundle(join(work, 'current'), { ...manifest, bundleVersion: '1.0.0' }, key.privateKeyHex);
    await registry.publish(dirSource(join(work, 'current')));
    const command = fakeTrainerCommand(join(work, 'fake.json'));
    h = await openHarness('sqlite', {
      registry,
      training: { backend: localBackend(command, REPO_ROOT), runsDir: join(work, 'runs'), baseConfigPath: join(work, 'base.toml') },
      now: () => clock,
    });
  });
  afterAll(async () => {
    await h.close();
    await rm(work, { recursive: true, force: true });
  });

  it('is off by default and reads its interval and budget from the environment', () => {
    expect(schedulerFromEnv({})).toBeNull();
    expect(schedulerFromEnv({ LEAFCHECK_RETRAIN_SCHEDULE: '6h', LEAFCHECK_RETRAIN_MAX_RUNS_PER_WEEK: '1' })).toEqual({
      intervalMs: 6 * 3_600_000,
      budget: { maxRunsPerWeek: 1, maxCostPerMonthUsd: 20 },
    });
    expect(parseSchedule('30m')).toBe(1_800_000);
    expect(parseSchedule('1d')).toBe(86_400_000);
    expect(() => parseSchedule('0 */6 * * *')).toThrow(/interval like 30m, 6h or 1d/);
    expect(() => schedulerFromEnv({ LEAFCHECK_RETRAIN_SCHEDULE: '1h', LEAFCHECK_RETRAIN_MAX_COST_PER_MONTH: 'lots' })).toThrow(
      /number >= 0/,
    );
  });

  it('starts a head run when the decision fires, one at a time, within the weekly run budget', async () => {
    fires = false;
    expect(await scheduler().tick()).toEqual({ action: 'skipped', reason: 'the retrain decision did not fire' });
    fires = true;
    const started = await scheduler().tick();
    expect(started).toMatchObject({ action: 'started', reasons: ['new-classes: reviewed labels the bundle lacks: X'] });
    const run = await h.deps.storage.runs.get((started as { runId: string }).runId);
    expect(run).toMatchObject({ kind: 'head', startedBy: 'scheduler', state: 'running' });
    expect(await scheduler().tick()).toEqual({ action: 'skipped', reason: 'a run is already running' });
    // Let it finish (the fake trainer takes about a second), then the weekly budget of 1 is used up.
    const runs = trainingRunsOf(h.deps, () => clock);
    for (let i = 0; i < 200 && (await runs?.get(run?.id as string))?.state === 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await h.deps.storage.runs.get(run?.id as string))?.state).toBe('succeeded');
    expect(await scheduler({ maxRunsPerWeek: 1, maxCostPerMonthUsd: 5 }).tick()).toEqual({
      action: 'skipped',
      reason: 'budget: 1 runs in the last 7 days (max 1)',
    });
    // Eight days later the week is free again, but not the month's money once runs cost more than it allows.
    clock = new Date('2026-12-09T00:00:00Z');
    expect((await scheduler({ maxRunsPerWeek: 1, maxCostPerMonthUsd: 0 }).tick()).action).toBe('started');
    expect(logged.some((l) => l.startsWith('started head run'))).toBe(true);
  });

  it('stays inside the monthly cost budget, counting the next run at the mean cost of earlier head runs', async () => {
    const id = 'costly-run';
    clock = new Date('2026-12-20T00:00:00Z');
    for (const r of await h.deps.storage.runs.list(10))
      if (r.state === 'running') await h.deps.storage.runs.finish(r.id, 'failed', clock.toISOString(), 'stopped by the test');
    await h.deps.storage.runs.create({
      id,
      backend: 'modal',
      kind: 'head',
      version: '9.9.9',
      dir: join(work, 'runs', id),
      startedBy: 'test',
      startedAt: clock.toISOString(),
    });
    await h.deps.storage.runs.finish(id, 'succeeded', clock.toISOString(), null, {
      wallSeconds: 600,
      cpuSeconds: null,
      gpuSeconds: 3600,
      estimatedCostUsd: 4.4,
    });
    const outcome = await scheduler({ maxRunsPerWeek: 10, maxCostPerMonthUsd: 5 }).tick();
    expect(outcome).toMatchObject({
      action: 'skipped',
      reason: expect.stringMatching(/^budget: \$4\.40 spent in 30 days \+ \$\d+\.\d\d for the next run > \$5$/),
    });
  });
});
