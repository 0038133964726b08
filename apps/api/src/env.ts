// Backends chosen from the environment: the only place that reads process.env.
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundleManifest, parseManifest } from '@leafcheck/bundle';
import { loadOrCreateLocalKey, trustedKeysWithLocal } from '@leafcheck/bundle/node';
import { loadBundleInfo } from './bundle-info.ts';
import type { BundleInfo } from './context.ts';
import { type DbTarget, dbTargetFromEnv } from './db/connect.ts';
import { anthropicSuggester, type LabelSuggester } from './llm/suggester.ts';
import { type Channels, channels, fileChannelStore } from './registry/channels.ts';
import { hubRegistry } from './registry/hub-registry.ts';
import { type BundleRegistry, localRegistry } from './registry/registry.ts';
import { DEFAULT_PRICES, localBackend, type TrainingSetup, trainerCommand } from './training/backend.ts';
import { modalBackend } from './training/modal.ts';
import { parseSchedule, type SchedulerBudget } from './training/scheduler.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServerEnv {
  port: number;
  db: DbTarget;
  photosDir: string;
  bundleDir: string;
  registryDir: string;
  corsOrigins: string[];
  dev: boolean;
  /** A device token to make valid at start (shared with the PWA build in dev). */
  devDeviceToken: string | null;
  llm: LabelSuggester | null;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const dev = env.NODE_ENV !== 'production';
  const cors =
    env.LEAFCHECK_CORS_ORIGIN ?? (dev ? 'http://localhost:5173,http://127.0.0.1:5173,http://localhost:4173,http://127.0.0.1:4173' : '');
  return {
    port,
    db: dbTargetFromEnv(env, REPO_ROOT),
    photosDir: env.LEAFCHECK_PHOTOS ?? join(REPO_ROOT, '.leafcheck', 'photos'),
    bundleDir: env.LEAFCHECK_BUNDLE_DIR ?? join(REPO_ROOT, 'bundles', 'default'),
    registryDir: env.LEAFCHECK_REGISTRY ?? join(REPO_ROOT, '.leafcheck', 'registry'),
    corsOrigins: cors
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    dev,
    devDeviceToken: env.LEAFCHECK_DEV_DEVICE_TOKEN ?? null,
    llm: env.ANTHROPIC_API_KEY
      ? anthropicSuggester({
          apiKey: env.ANTHROPIC_API_KEY,
          ...(env.LEAFCHECK_LLM_MODEL ? { model: env.LEAFCHECK_LLM_MODEL } : {}),
          ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
        })
      : null,
  };
}

export async function bundleOrNull(dir: string): Promise<BundleInfo | null> {
  if (!existsSync(join(dir, 'manifest.json'))) {
    console.warn(`no bundle at ${dir}: retrain decisions and label suggestions are off`);
    return null;
  }
  try {
    return await loadBundleInfo(dir);
  } catch (error) {
    console.warn(`bundle at ${dir} did not verify (${(error as Error).message}); continuing without it`);
    return null;
  }
}

/** LEAFCHECK_HF_REPO + HF_TOKEN (and optional HF_ENDPOINT): the Hub; otherwise the local directory registry. */
export function registryFromEnv(env: NodeJS.ProcessEnv = process.env): BundleRegistry {
  const trusted = trustedKeysWithLocal();
  // The first publish is gated against the bundle the phones run out of the box (LEAFCHECK_BUNDLE_DIR).
  const baseline = () => embeddedManifest(readEnv(env).bundleDir);
  if (env.LEAFCHECK_HF_REPO) {
    if (!env.HF_TOKEN) throw new Error('LEAFCHECK_HF_REPO is set but HF_TOKEN is not');
    return hubRegistry({
      repo: env.LEAFCHECK_HF_REPO,
      accessToken: env.HF_TOKEN,
      trusted,
      baseline,
      ...(env.HF_ENDPOINT ? { hubUrl: env.HF_ENDPOINT } : {}),
    });
  }
  return localRegistry(readEnv(env).registryDir, trusted, undefined, baseline);
}

/** The embedded default bundle's manifest (null when there is none: a fresh checkout before the first training). */
export async function embeddedManifest(dir: string): Promise<BundleManifest | null> {
  const text = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => null);
  return text === null ? null : parseManifest(text);
}

/** Release channels beside the local registry (LEAFCHECK_CHANNELS, default .leafcheck/channels.json). */
export function channelsFromEnv(registry: BundleRegistry, env: NodeJS.ProcessEnv = process.env): Channels {
  const path = env.LEAFCHECK_CHANNELS ?? join(REPO_ROOT, '.leafcheck', 'channels.json');
  mkdirSync(dirname(path), { recursive: true });
  return channels({ store: fileChannelStore(path), registry, signingKeyHex: () => loadOrCreateLocalKey().privateKeyHex });
}

/**
 * LEAFCHECK_TRAINING: `local` (default; the trainer pipeline here, LEAFCHECK_TRAINER_COMMAND overrides
 * `<venv>/bin/python -m trainer`) or `modal` (LEAFCHECK_MODAL_URL, LEAFCHECK_MODAL_KEY, LEAFCHECK_MODAL_SECRET:
 * the trainer's deployed web endpoint and a proxy auth token). Runs live in LEAFCHECK_RUNS (.leafcheck/runs)
 * and start from LEAFCHECK_TRAINER_CONFIG (trainer/configs/default.toml). A `head` run starts from
 * LEAFCHECK_HEAD_CHECKPOINT (the served bundle's final.pt) when set; features are cached in LEAFCHECK_FEATURE_CACHE
 * (<runs>/feature-cache); cost = GPU seconds x LEAFCHECK_GPU_PRICE_PER_SECOND + CPU seconds x LEAFCHECK_CPU_PRICE_PER_SECOND.
 */
/**
 * LEAFCHECK_RETRAIN_SCHEDULE (off when unset): how often the scheduler evaluates the retrain decision (30m, 6h, 1d)
 * and starts a head run when it fires, within LEAFCHECK_RETRAIN_MAX_RUNS_PER_WEEK (2) and
 * LEAFCHECK_RETRAIN_MAX_COST_PER_MONTH (20, USD, estimated).
 */
export function schedulerFromEnv(env: NodeJS.ProcessEnv = process.env): { intervalMs: number; budget: SchedulerBudget } | null {
  if (!env.LEAFCHECK_RETRAIN_SCHEDULE) return null;
  const number = (name: string, fallback: number) => {
    const value = env[name] === undefined ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, got ${env[name]}`);
    return value;
  };
  return {
    intervalMs: parseSchedule(env.LEAFCHECK_RETRAIN_SCHEDULE),
    budget: {
      maxRunsPerWeek: number('LEAFCHECK_RETRAIN_MAX_RUNS_PER_WEEK', 2),
      maxCostPerMonthUsd: number('LEAFCHECK_RETRAIN_MAX_COST_PER_MONTH', 20),
    },
  };
}

export function trainingFromEnv(env: NodeJS.ProcessEnv = process.env): TrainingSetup {
  const command = trainerCommand(REPO_ROOT, env.LEAFCHECK_TRAINER_COMMAND);
  const kind = env.LEAFCHECK_TRAINING ?? 'local';
  const price = (name: string, fallback: number) => {
    const value = env[name] === undefined ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a price in USD per second (>= 0), got ${env[name]}`);
    return value;
  };
  const common: Omit<TrainingSetup, 'backend'> = {
    runsDir: resolve(env.LEAFCHECK_RUNS ?? join(REPO_ROOT, '.leafcheck', 'runs')),
    baseConfigPath: resolve(env.LEAFCHECK_TRAINER_CONFIG ?? join(REPO_ROOT, 'trainer', 'configs', 'default.toml')),
    servedBundleDir: resolve(readEnv(env).bundleDir),
    prices: {
      gpuPerSecond: price('LEAFCHECK_GPU_PRICE_PER_SECOND', DEFAULT_PRICES.gpuPerSecond),
      cpuPerSecond: price('LEAFCHECK_CPU_PRICE_PER_SECOND', DEFAULT_PRICES.cpuPerSecond),
    },
    ...(env.LEAFCHECK_FEATURE_CACHE ? { featureCacheDir: resolve(env.LEAFCHECK_FEATURE_CACHE) } : {}),
    ...(env.LEAFCHECK_HEAD_CHECKPOINT ? { headCheckpoint: resolve(env.LEAFCHECK_HEAD_CHECKPOINT) } : {}),
  };
  if (kind === 'local') return { backend: localBackend(command, REPO_ROOT), ...common };
  if (kind !== 'modal') throw new Error(`LEAFCHECK_TRAINING must be local or modal, got ${kind}`);
  const { LEAFCHECK_MODAL_URL: url, LEAFCHECK_MODAL_KEY: key, LEAFCHECK_MODAL_SECRET: secret } = env;
  if (!url || !key || !secret)
    throw new Error('LEAFCHECK_TRAINING=modal needs LEAFCHECK_MODAL_URL, LEAFCHECK_MODAL_KEY and LEAFCHECK_MODAL_SECRET');
  return { backend: modalBackend({ url, key, secret, command, cwd: REPO_ROOT }), ...common };
}
