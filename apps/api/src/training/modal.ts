// Training on a Modal GPU through the trainer's deployed web endpoint (trainer/modal_app.py, `modal deploy`).
// Contract, behind Modal's proxy auth (headers Modal-Key / Modal-Secret, a workspace proxy auth token):
//   PUT  {url}/exports/{sha256}    the run's feedback export (tar.gz) -> 200 {"path": "/feedback/<sha256>.tar.gz"}
//   POST {url}/runs                {"config": "<TOML>"}      -> 200 {"callId": "fc-..."}
//   GET  {url}/runs/{callId}                                 -> 200 {"state": "running"|"succeeded"|"failed", "error"?: "..."}
//   GET  {url}/runs/{callId}/result                          -> 200 application/gzip: the run folder (validate .. evaluate)
// The bundle is then made and signed here (`<trainer> bundle ...`): the signing key never leaves this machine.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import {
  detachedStatus,
  runPaths,
  startDetached,
  type TrainerCommand,
  type TrainingBackend,
  TrainingError,
  type TrainingJob,
  type TrainingStatus,
} from './backend.ts';
import { withSettings } from './config.ts';

export interface ModalOptions {
  /** Base URL of the deployed endpoint, e.g. https://<workspace>--leafcheck-trainer-web.modal.run */
  url: string;
  /** Proxy auth token id (wk-...) and secret (ws-...). */
  key: string;
  secret: string;
  /** `python -m trainer` here, for the signing step; run from `cwd` (the repo root). */
  command: TrainerCommand;
  cwd: string;
  fetch?: typeof globalThis.fetch;
}

const started = z.object({ callId: z.string().min(1).max(200) });
const uploaded = z.object({ path: z.string().regex(/^\/feedback\/[0-9a-f]{64}\.tar\.gz$/) });
const polled = z.object({ state: z.enum(['running', 'succeeded', 'failed']), error: z.string().optional() });

/** The container's time (everything before the bundle, from the run folder's pipeline.json) is the GPU time billed. */
async function withGpuSeconds(job: TrainingJob, status: TrainingStatus): Promise<TrainingStatus> {
  if (status.state === 'running') return status;
  const text = await readFile(join(runPaths(job.dir).runDir, 'pipeline.json'), 'utf8').catch(() => null);
  const seconds =
    text === null ? undefined : (JSON.parse(text) as { seconds?: { total_before_bundle?: number } }).seconds?.total_before_bundle;
  if (seconds === undefined) return status;
  return {
    ...status,
    usage: { wallSeconds: status.usage?.wallSeconds ?? 0, cpuSeconds: status.usage?.cpuSeconds ?? null, gpuSeconds: seconds },
  };
}

export function modalBackend(options: ModalOptions): TrainingBackend {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Response> => {
    const binary = body instanceof Uint8Array;
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        'Modal-Key': options.key,
        'Modal-Secret': options.secret,
        ...(body === undefined ? {} : { 'content-type': binary ? 'application/gzip' : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: binary ? new Blob([body as Uint8Array<ArrayBuffer>]) : JSON.stringify(body) }),
    }).catch((error: unknown) => {
      throw new TrainingError(`Modal endpoint unreachable (${method} ${path}): ${(error as Error).message}`);
    });
    if (!res.ok) throw new TrainingError(`Modal endpoint answered ${res.status} to ${method} ${path}: ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  const json = async <T>(schema: z.ZodType<T>, res: Response, what: string): Promise<T> => {
    const parsed = schema.safeParse(await res.json().catch(() => null));
    if (!parsed.success) throw new TrainingError(`Modal endpoint sent an unexpected ${what}: ${parsed.error.message}`);
    return parsed.data;
  };

  return {
    kind: 'modal',
    async start(job) {
      let config = await readFile(runPaths(job.dir).config, 'utf8');
      const exportPath = runPaths(job.dir).export;
      if (existsSync(exportPath)) {
        // The snapshot goes to the feedback volume first; the container reads it from there.
        const body = await readFile(exportPath);
        const sha = createHash('sha256').update(body).digest('hex');
        const res = await call('PUT', `/exports/${sha}`, body);
        config = withSettings(config, { feedback: { export: (await json(uploaded, res, 'upload answer')).path } });
      }
      return (await json(started, await call('POST', '/runs', { config }), 'start answer')).callId;
    },
    async status(job, callId) {
      const pidFile = join(job.dir, 'sign.pid');
      if (existsSync(pidFile)) return withGpuSeconds(job, await detachedStatus(job.dir, 'sign', Number(await readFile(pidFile, 'utf8'))));
      const claim = join(job.dir, 'sign.claim');
      if (existsSync(claim)) return { state: 'running', log: `trained on Modal (call ${callId}); fetching the run folder` };
      const id = encodeURIComponent(callId);
      const state = await json(polled, await call('GET', `/runs/${id}`), 'state');
      if (state.state === 'running') return { state: 'running', log: `training on Modal (call ${callId})` };
      if (state.state === 'failed') return { state: 'failed', log: '', error: `Modal run failed: ${state.error ?? 'no reason given'}` };
      // Trained: fetch the run folder, then make and sign the bundle here. The claim keeps concurrent polls from doing it twice.
      try {
        await writeFile(claim, callId, { flag: 'wx' });
      } catch {
        return { state: 'running', log: `trained on Modal (call ${callId}); fetching the run folder` };
      }
      try {
        const tarball = new Uint8Array(await (await call('GET', `/runs/${id}/result`)).arrayBuffer());
        const { config, runDir, bundle } = runPaths(job.dir);
        await mkdir(runDir, { recursive: true });
        await writeFile(join(job.dir, 'run.tar.gz'), tarball);
        await promisify(execFile)('tar', ['-xzf', join(job.dir, 'run.tar.gz'), '-C', runDir, '--no-same-owner']).catch((error: unknown) => {
          throw new TrainingError(`the run folder from Modal did not unpack: ${(error as Error).message}`);
        });
        const argv = [
          ...(await options.command()),
          'bundle',
          '--config',
          config,
          '--run-dir',
          runDir,
          '--out',
          bundle,
          '--version',
          job.version,
        ];
        await writeFile(pidFile, String(startDetached(job.dir, 'sign', argv, options.cwd)));
      } catch (error) {
        await rm(claim, { force: true });
        throw error;
      }
      return { state: 'running', log: `trained on Modal (call ${callId}); signing the bundle here` };
    },
  };
}
