// Where retrain runs train. A backend starts a run from its folder (config.toml written there) and reports
// its state; once it says 'succeeded', a bundle signed on this machine is in <run folder>/bundle.
// local (default): the trainer's pipeline as a child process; modal (modal.ts): the trainer's Modal web endpoint.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TrainingJob {
  id: string;
  /** The run folder: config.toml, logs, run/ (the trainer's run_dir), bundle/ (the candidate). */
  dir: string;
  version: string;
}

export interface TrainingStatus {
  state: 'running' | 'succeeded' | 'failed';
  /** The last lines of the run's log. */
  log: string;
  error?: string;
  /** Once ended: the run's own measure of its time (wall, and CPU of the trainer processes or GPU on Modal). */
  usage?: { wallSeconds: number; cpuSeconds: number | null; gpuSeconds: number | null };
}

export interface TrainingBackend {
  readonly kind: 'local' | 'modal';
  /** Starts the run; returns the id the backend knows it by (a process id, a Modal call id). */
  start(job: TrainingJob): Promise<string>;
  status(job: TrainingJob, externalId: string): Promise<TrainingStatus>;
}

export interface TrainingSetup {
  backend: TrainingBackend;
  /** Run folders go here (inside the API's data directory). */
  runsDir: string;
  /** The trainer config each run starts from (run_dir, bundle.out and bundle.version are replaced). */
  baseConfigPath: string;
  /** Frozen-backbone features kept across runs (the trainer's [train] feature_cache); default <runsDir>/feature-cache. */
  featureCacheDir?: string;
  /**
   * The checkpoint (final.pt) of the served bundle's run: a `head` run keeps its backbone frozen and its head rows.
   * Absent: the config's own init_checkpoint or initial weights.
   */
  headCheckpoint?: string;
  /** The served bundle folder, scored beside each candidate on the held-out feedback photos. */
  servedBundleDir?: string;
  /** How many of the newest unlabelled photos the agreement check uses (default 500; 0 turns it off). */
  agreementPhotos?: number;
  /** Over this share of contradicted confident answers a candidate is held for review (default: the gate policy's 0.1). */
  maxConfidentDisagreement?: number;
  /** For the cost estimate: USD per second of GPU and of trainer CPU time (LEAFCHECK_GPU_PRICE_PER_SECOND, ..._CPU_...). */
  prices?: { gpuPerSecond: number; cpuPerSecond: number };
}

/** Modal's A10G list price, $1.10 an hour; CPU time on this machine costs nothing extra. */
export const DEFAULT_PRICES = { gpuPerSecond: 1.1 / 3600, cpuPerSecond: 0 };

export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}

export const runPaths = (dir: string) => ({
  config: join(dir, 'config.toml'),
  runDir: join(dir, 'run'),
  bundle: join(dir, 'bundle'),
  /** The reviewed-feedback export snapshotted when the run started. */
  export: join(dir, 'feedback-export.tar.gz'),
  /** Recent photos nobody labelled, <id>.jpg: the agreement check of candidate vs served bundle runs on them. */
  unlabelled: join(dir, 'unlabelled'),
  /** What the trainer's agreement step wrote (in its run_dir). */
  agreement: join(dir, 'run', 'eval-agreement', 'metrics.json'),
});

/** A command prefix (argv) for `python -m trainer`; resolved when the first run starts. */
export type TrainerCommand = () => Promise<string[]>;

/** `spec` (argv split on spaces) or, by default, the trainer venv's python from scripts/trainer-env.sh (created on first use). */
export function trainerCommand(repoRoot: string, spec?: string): TrainerCommand {
  let resolved: Promise<string[]> | null = null;
  return () => {
    resolved ??= spec
      ? Promise.resolve(spec.split(/\s+/).filter(Boolean))
      : promisify(execFile)('bash', [join(repoRoot, 'scripts', 'trainer-env.sh')], { maxBuffer: 1 << 20 }).then(
          ({ stdout }) => [join(stdout.trim(), 'bin', 'python'), '-m', 'trainer'],
          (error: unknown) => {
            resolved = null;
            throw new TrainingError(`could not prepare the trainer environment: ${(error as Error).message}`);
          },
        );
    return resolved;
  };
}

/**
 * Starts argv detached (it outlives an API restart) with output in <dir>/<name>.log; a wrapper shell writes
 * the exit code to <name>.exit when it ends. Returns the wrapper's process id.
 */
export function startDetached(dir: string, name: string, argv: string[], cwd: string): number {
  // `times` prints the shell's and then its children's user and system CPU time; the children's is the trainer's.
  const script =
    'start=$(date +%s.%N); "$@" >"$LEAFCHECK_LOG" 2>&1; code=$?; end=$(date +%s.%N); ' +
    '{ echo "$start $end"; times; } >"$LEAFCHECK_EXIT.times"; echo $code >"$LEAFCHECK_EXIT.tmp" && mv "$LEAFCHECK_EXIT.tmp" "$LEAFCHECK_EXIT"';
  const child = spawn('bash', ['-c', script, 'bash', ...argv], {
    cwd,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, LEAFCHECK_LOG: join(dir, `${name}.log`), LEAFCHECK_EXIT: join(dir, `${name}.exit`) },
  });
  child.unref();
  if (child.pid === undefined) throw new TrainingError(`could not start ${argv[0]}`);
  return child.pid;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function logTail(dir: string, name: string, lines = 40): Promise<string> {
  const text = await readFile(join(dir, `${name}.log`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}

/** Wall and CPU seconds of a process started by startDetached, from the `.times` file its wrapper wrote. */
export async function detachedUsage(dir: string, name: string): Promise<{ wallSeconds: number; cpuSeconds: number } | null> {
  const text = await readFile(join(dir, `${name}.exit.times`), 'utf8').catch(() => null);
  if (text === null) return null;
  const [span = '', , cpu = ''] = text.split('\n'); // the shell's own CPU time, then its children's
  const [start, end] = span.split(' ').map(Number);
  const seconds = [...cpu.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  return { wallSeconds: Math.max(0, (end as number) - (start as number)), cpuSeconds: seconds };
}

/** The state of a process started by startDetached. */
export async function detachedStatus(dir: string, name: string, pid: number): Promise<TrainingStatus> {
  const log = await logTail(dir, name);
  const exit = await readFile(join(dir, `${name}.exit`), 'utf8').catch(() => null);
  if (exit === null)
    return alive(pid) ? { state: 'running', log } : { state: 'failed', log, error: `${name} process ${pid} ended without an exit code` };
  const code = Number(exit.trim());
  const measured = await detachedUsage(dir, name);
  const usage = measured ? { usage: { ...measured, gpuSeconds: null } } : {};
  if (code !== 0) return { state: 'failed', log, error: `${name} exited with code ${code}`, ...usage };
  if (!existsSync(join(runPaths(dir).bundle, 'manifest.json')))
    return { state: 'failed', log, error: `${name} finished but wrote no bundle`, ...usage };
  return { state: 'succeeded', log, ...usage };
}

/** The trainer's pipeline on this machine: `<command> pipeline --config <run>/config.toml`, run from `cwd` (the repo root). */
export function localBackend(command: TrainerCommand, cwd: string): TrainingBackend {
  return {
    kind: 'local',
    async start(job) {
      return String(startDetached(job.dir, 'pipeline', [...(await command()), 'pipeline', '--config', runPaths(job.dir).config], cwd));
    },
    status: (job, externalId) => detachedStatus(job.dir, 'pipeline', Number(externalId)),
  };
}
