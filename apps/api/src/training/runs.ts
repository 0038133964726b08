// Retrain runs: start one (one at a time), follow it, and publish its candidate through the gated registry.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GateReport } from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import type { RetrainRun, RunStore } from '../db/run-store.ts';
import type { BundleRegistry, PublishedBundle } from '../registry/registry.ts';
import { runPaths, type TrainingJob, type TrainingSetup } from './backend.ts';
import { nextVersion, runConfig } from './config.ts';

export interface RunView {
  id: string;
  backend: string;
  state: RetrainRun['state'];
  version: string;
  startedAt: string;
  finishedAt: string | null;
  publishedAt: string | null;
  error: string | null;
  logTail: string;
  /** Once the run has written its bundle: the promotion gate against the newest published bundle. */
  candidate: { version: string; gate: GateReport | null; error: string | null } | null;
}

/** A request the run's state does not allow (409). */
export class RunConflictError extends Error {
  override readonly name = 'RunConflictError';
}

export interface RunsDeps {
  runs: RunStore;
  setup: TrainingSetup;
  registry: BundleRegistry;
  /** The served bundle's version, when nothing is published yet. */
  servedVersion: string | null;
  now: () => Date;
}

export function trainingRuns(deps: RunsDeps) {
  const { runs, setup, registry } = deps;
  const job = (run: RetrainRun): TrainingJob => ({ id: run.id, dir: run.dir, version: run.version });

  /** Asks the backend where a run stands and records the end of a running run. */
  async function refresh(run: RetrainRun): Promise<{ run: RetrainRun; log: string }> {
    if (run.externalId === null) {
      // Starting takes seconds; a run still without a backend id after a minute never started (the API stopped meanwhile).
      if (run.state !== 'running' || deps.now().getTime() - Date.parse(run.startedAt) < 60_000) return { run, log: '' };
      await runs.finish(run.id, 'failed', deps.now().toISOString(), 'the run never started (the API stopped while starting it)');
      return { run: (await runs.get(run.id)) as RetrainRun, log: '' };
    }
    const status = await setup.backend.status(job(run), run.externalId);
    if (run.state === 'running' && status.state !== 'running') {
      await runs.finish(run.id, status.state, deps.now().toISOString(), status.error ?? null);
      return { run: (await runs.get(run.id)) as RetrainRun, log: status.log };
    }
    return { run, log: status.log };
  }

  async function view(run: RetrainRun, log: string): Promise<RunView> {
    let candidate: RunView['candidate'] = null;
    if (run.state === 'succeeded' || run.state === 'published') {
      try {
        const gate = await registry.check(dirSource(runPaths(run.dir).bundle));
        candidate = { version: gate.candidateVersion, gate, error: null };
      } catch (error) {
        candidate = { version: run.version, gate: null, error: (error as Error).message };
      }
    }
    const { id, backend, state, version, startedAt, finishedAt, publishedAt, error } = run;
    return { id, backend, state, version, startedAt, finishedAt, publishedAt, error, logTail: log, candidate };
  }

  return {
    async start(startedBy: string): Promise<RunView> {
      const active = await runs.active();
      if (active && (await refresh(active)).run.state === 'running') throw new RunConflictError(`run ${active.id} is still running`);
      const current = (await registry.list())[0]?.version ?? deps.servedVersion;
      const id = randomUUID();
      const run = { id, backend: setup.backend.kind, version: nextVersion(current), dir: join(setup.runsDir, id), startedBy };
      const paths = runPaths(run.dir);
      const config = runConfig(await readFile(setup.baseConfigPath, 'utf8'), {
        runDir: paths.runDir,
        bundleOut: paths.bundle,
        version: run.version,
      });
      await mkdir(run.dir, { recursive: true });
      await writeFile(paths.config, config);
      if (!(await runs.create({ ...run, startedAt: deps.now().toISOString() }))) throw new RunConflictError('another run is running');
      try {
        await runs.started(id, await setup.backend.start(run));
      } catch (error) {
        await runs.finish(id, 'failed', deps.now().toISOString(), (error as Error).message);
        throw error;
      }
      return view((await runs.get(id)) as RetrainRun, '');
    },

    async get(id: string): Promise<RunView | null> {
      const run = await runs.get(id);
      if (run === null) return null;
      const refreshed = await refresh(run);
      return view(refreshed.run, refreshed.log);
    },

    async publish(id: string): Promise<PublishedBundle | null> {
      const run = await runs.get(id);
      if (run === null) return null;
      const { run: now } = await refresh(run);
      if (now.state !== 'succeeded') throw new RunConflictError(`run ${id} is ${now.state}; only a succeeded run can be published`);
      const published = await registry.publish(dirSource(runPaths(now.dir).bundle));
      await runs.published(id, deps.now().toISOString());
      return published;
    },
  };
}
export type TrainingRuns = ReturnType<typeof trainingRuns>;
