// Retrain runs: start one (one at a time), follow it, and publish its candidate through the gated registry.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_PROMOTION_POLICY, type GateReport } from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import type { AppDeps } from '../context.ts';
import type { ReviewStore } from '../db/review-store.ts';
import type { RetrainRun, RunKind, RunStore, RunUsage } from '../db/run-store.ts';
import { writeExport } from '../export/export.ts';
import type { PhotoStore } from '../photos/photo-store.ts';
import type { BundleRegistry, PublishedBundle } from '../registry/registry.ts';
import { DEFAULT_PRICES, runPaths, type TrainingJob, type TrainingSetup, type TrainingStatus } from './backend.ts';
import { nextVersion, runConfig, type TomlValue, withSettings } from './config.ts';

export interface RunView {
  id: string;
  backend: string;
  kind: RunKind;
  state: RetrainRun['state'];
  version: string;
  startedAt: string;
  finishedAt: string | null;
  publishedAt: string | null;
  error: string | null;
  logTail: string;
  /** The reviewed-feedback export snapshot the run trains on: its sha256 is in the candidate's provenance too. */
  feedback: RetrainRun['feedback'];
  usage: RunUsage | null;
  /** Candidate vs served bundle on recent unlabelled photos (the disagreeing ones are first in the review queue). */
  agreement: Agreement | null;
  /** Once the run has written its bundle: the promotion gate against the newest published bundle. */
  candidate: { version: string; gate: GateReport | null; error: string | null } | null;
}

export interface Agreement {
  photos: number;
  rate: number;
  byCrop: Record<string, { n: number; rate: number }>;
  servedConfident: number;
  confidentDisagreement: number;
  disagreements: number;
}

async function readAgreement(path: string): Promise<(Agreement & { ids: string[] }) | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  const a = JSON.parse(text) as Omit<Agreement, 'disagreements'> & { disagreements?: Array<{ id: string }> };
  if (!a.photos) return null;
  const ids = (a.disagreements ?? []).map((d) => d.id);
  const { photos, rate, byCrop, servedConfident, confidentDisagreement } = a;
  return { photos, rate, byCrop, servedConfident, confidentDisagreement, disagreements: ids.length, ids };
}

/** A candidate held for review: its disagreements with the served bundle are not all reviewed yet (409). */
export class RunHeldError extends Error {
  override readonly name = 'RunHeldError';
  constructor(readonly undecided: number) {
    super(
      `held for review: the candidate contradicts too many of the served bundle's confident answers; ${undecided} of the photos it disagrees on still need a review decision (they are first in the review queue)`,
    );
  }
}

/** A request the run's state does not allow (409). */
export class RunConflictError extends Error {
  override readonly name = 'RunConflictError';
}

export interface RunsDeps {
  runs: RunStore;
  setup: TrainingSetup;
  registry: BundleRegistry;
  /** The bundle the API serves (its labels are the known classes of the feedback export). */
  served: { version: string; labels: string[] } | null;
  reviews: ReviewStore;
  photos: PhotoStore;
  now: () => Date;
}

export function trainingRuns(deps: RunsDeps) {
  const { runs, setup, registry } = deps;
  const job = (run: RetrainRun): TrainingJob => ({ id: run.id, dir: run.dir, version: run.version });
  const prices = setup.prices ?? DEFAULT_PRICES;

  function usageOf(run: RetrainRun, status: TrainingStatus): RunUsage {
    const elapsed = (deps.now().getTime() - Date.parse(run.startedAt)) / 1000;
    const { wallSeconds = elapsed, cpuSeconds = null, gpuSeconds = null } = status.usage ?? {};
    const cost = (gpuSeconds ?? 0) * prices.gpuPerSecond + (cpuSeconds ?? 0) * prices.cpuPerSecond;
    return { wallSeconds, cpuSeconds, gpuSeconds, estimatedCostUsd: Math.round(cost * 1e6) / 1e6 };
  }

  /** The trainer config of a run: the base config with its folders, version, kind and the feedback snapshot. */
  async function configFor(run: { dir: string; version: string; kind: RunKind }): Promise<string> {
    const paths = runPaths(run.dir);
    const base = runConfig(await readFile(setup.baseConfigPath, 'utf8'), {
      runDir: paths.runDir,
      bundleOut: paths.bundle,
      version: run.version,
    });
    const train: Record<string, TomlValue> = { feature_cache: setup.featureCacheDir ?? join(setup.runsDir, 'feature-cache') };
    if (run.kind === 'head' && setup.headCheckpoint) train.init_checkpoint = setup.headCheckpoint;
    const feedback: Record<string, TomlValue> = { export: paths.export };
    const settings: Record<string, Record<string, TomlValue>> = { run: { kind: run.kind }, train, feedback };
    if (setup.servedBundleDir) {
      feedback.served_bundle = setup.servedBundleDir;
      if ((setup.agreementPhotos ?? 500) > 0) settings.agreement = { photos: paths.unlabelled };
    }
    return withSettings(base, settings);
  }

  /** Copies the newest unlabelled photos into the run folder for the trainer's agreement step. */
  async function snapshotUnlabelled(dir: string): Promise<void> {
    const limit = setup.agreementPhotos ?? 500;
    if (!setup.servedBundleDir || limit <= 0) return;
    await mkdir(runPaths(dir).unlabelled, { recursive: true });
    for (const id of await deps.reviews.recentUnlabelled(limit)) {
      const jpeg = await deps.photos.get(id);
      if (jpeg !== null) await writeFile(join(runPaths(dir).unlabelled, `${id}.jpg`), jpeg);
    }
  }

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
      if (status.state === 'succeeded') {
        // The photos the candidate answers differently go to the front of the review queue, before anyone publishes.
        const agreement = await readAgreement(runPaths(run.dir).agreement);
        if (agreement) await deps.reviews.prioritise(agreement.ids, `disagreement:${run.id}`, deps.now().toISOString());
      }
      await runs.finish(run.id, status.state, deps.now().toISOString(), status.error ?? null, usageOf(run, status));
      return { run: (await runs.get(run.id)) as RetrainRun, log: status.log };
    }
    return { run, log: status.log };
  }

  /**
   * A candidate that contradicts more of the served bundle's confident answers than allowed is held until an
   * agronomist has decided on each photo it disagrees on (they lead the review queue). Returns the undecided ids.
   */
  async function heldFor(run: RetrainRun): Promise<string[]> {
    const agreement = await readAgreement(runPaths(run.dir).agreement);
    const limit = setup.maxConfidentDisagreement ?? DEFAULT_PROMOTION_POLICY.maxConfidentDisagreement;
    if (agreement === null || agreement.confidentDisagreement <= limit) return [];
    const decided = await Promise.all(agreement.ids.map(async (fid) => (await deps.reviews.get(fid))?.review?.decision ?? 'skip'));
    return agreement.ids.filter((_, i) => decided[i] === 'skip');
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
    const { id, backend, kind, state, version, startedAt, finishedAt, publishedAt, error, feedback, usage } = run;
    const read = run.state === 'running' ? null : await readAgreement(runPaths(run.dir).agreement);
    const agreement = read === null ? null : (({ ids: _, ...rest }) => rest)(read);
    return {
      id,
      backend,
      kind,
      state,
      version,
      startedAt,
      finishedAt,
      publishedAt,
      error,
      logTail: log,
      feedback,
      usage,
      agreement,
      candidate,
    };
  }

  return {
    /** Starts a run: snapshots the reviewed export into the run folder, then hands the run to the backend. */
    async start(startedBy: string, kind: RunKind = 'full'): Promise<RunView> {
      const active = await runs.active();
      if (active && (await refresh(active)).run.state === 'running') throw new RunConflictError(`run ${active.id} is still running`);
      const current = (await registry.list())[0]?.version ?? deps.served?.version ?? null;
      const id = randomUUID();
      const run = { id, backend: setup.backend.kind, kind, version: nextVersion(current), dir: join(setup.runsDir, id), startedBy };
      const paths = runPaths(run.dir);
      const config = await configFor(run);
      await mkdir(run.dir, { recursive: true });
      if (!(await runs.create({ ...run, startedAt: deps.now().toISOString() }))) throw new RunConflictError('another run is running');
      try {
        const snapshot = await writeExport(
          { reviews: deps.reviews, photos: deps.photos, bundle: deps.served, now: deps.now() },
          paths.export,
        );
        await runs.snapshot(id, { exportSha256: snapshot.sha256, records: snapshot.records, skipped: snapshot.skipped });
        await snapshotUnlabelled(run.dir);
        await writeFile(paths.config, config);
        await runs.started(id, await setup.backend.start(run));
      } catch (error) {
        await runs.finish(id, 'failed', deps.now().toISOString(), (error as Error).message);
        throw error;
      }
      return view((await runs.get(id)) as RetrainRun, '');
    },

    /** Newest first; only the running one is asked where it stands. */
    async list(limit = 50): Promise<RunView[]> {
      const all = await runs.list(limit);
      return Promise.all(
        all.map(async (run) => {
          if (run.state !== 'running') return view(run, '');
          const refreshed = await refresh(run);
          return view(refreshed.run, refreshed.log);
        }),
      );
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
      const pending = await heldFor(now);
      if (pending.length > 0) throw new RunHeldError(pending.length);
      const published = await registry.publish(dirSource(runPaths(now.dir).bundle));
      await runs.published(id, deps.now().toISOString());
      return published;
    },
  };
}
export type TrainingRuns = ReturnType<typeof trainingRuns>;

/** The runs of an app's deps (the routes and the scheduler share them); null without a backend or a registry. */
export function trainingRunsOf(deps: AppDeps, now: () => Date): TrainingRuns | null {
  if (!deps.training || !deps.registry) return null;
  return trainingRuns({
    runs: deps.storage.runs,
    setup: deps.training,
    registry: deps.registry,
    served: deps.bundle ? { version: deps.bundle.version, labels: deps.bundle.labels } : null,
    reviews: deps.storage.reviews,
    photos: deps.photos,
    now,
  });
}
