// Training on a Modal GPU through the trainer's deployed web endpoint (trainer/modal_app.py, `modal deploy`).
// Contract, behind Modal's proxy auth (headers Modal-Key / Modal-Secret, a workspace proxy auth token):
//   POST {url}/runs                {"config": "<TOML>"}      -> 200 {"callId": "fc-..."}
//   GET  {url}/runs/{callId}                                 -> 200 {"state": "running"|"succeeded"|"failed", "error"?: "..."}
//   GET  {url}/runs/{callId}/result                          -> 200 application/gzip: the run folder (validate .. evaluate)
// The bundle is then made and signed here (`<trainer> bundle ...`): the signing key never leaves this machine.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { detachedStatus, runPaths, startDetached, type TrainerCommand, type TrainingBackend, TrainingError } from './backend.ts';

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
const polled = z.object({ state: z.enum(['running', 'succeeded', 'failed']), error: z.string().optional() });

export function modalBackend(options: ModalOptions): TrainingBackend {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> => {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        'Modal-Key': options.key,
        'Modal-Secret': options.secret,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
      const config = await readFile(runPaths(job.dir).config, 'utf8');
      return (await json(started, await call('POST', '/runs', { config }), 'start answer')).callId;
    },
    async status(job, callId) {
      const pidFile = join(job.dir, 'sign.pid');
      if (existsSync(pidFile)) return detachedStatus(job.dir, 'sign', Number(await readFile(pidFile, 'utf8')));
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
