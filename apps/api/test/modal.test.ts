// The Modal training backend against a local HTTP server speaking the endpoint's contract (trainer/modal_app.py
// `web`): Modal's proxy auth headers checked, errors surfaced. The signing step runs the fake trainer here.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@leafcheck/bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/env.ts';
import { runPaths, type TrainingJob } from '../src/training/backend.ts';
import { modalBackend } from '../src/training/modal.ts';
import { fakeTrainerCommand } from './fake-trainer-command.ts';

const KEY = 'wk-test-key';
const SECRET = 'ws-test-secret';
let work: string;
let server: Server;
let url: string;
let tarball: Buffer;
const modal = {
  state: 'running' as string,
  error: undefined as string | undefined,
  configs: [] as string[],
  requests: [] as string[],
  uploads: new Map<string, Buffer>(),
};

function startModalMock(): Promise<Server> {
  const s = createServer((req, res) => {
    modal.requests.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(type === 'application/json' ? JSON.stringify(body) : (body as Buffer | string));
    };
    if (req.headers['modal-key'] !== KEY || req.headers['modal-secret'] !== SECRET)
      return send(401, 'modal-http: missing credentials for proxy authorization', 'text/plain');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upload = /^\/exports\/([0-9a-f]{64})$/.exec(req.url ?? '');
      if (req.method === 'PUT' && upload) {
        const body = Buffer.concat(chunks);
        if (createHash('sha256').update(body).digest('hex') !== upload[1]) return send(422, { detail: 'sha256 mismatch' });
        modal.uploads.set(upload[1] as string, body);
        return send(200, { path: `/feedback/${upload[1]}.tar.gz` });
      }
      if (req.method === 'POST' && req.url === '/runs') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { config?: unknown };
        if (typeof body.config !== 'string') return send(422, { detail: 'config must be a string' });
        modal.configs.push(body.config);
        return send(200, { callId: 'fc-01TEST' });
      }
      if (req.method === 'GET' && req.url === '/runs/fc-01TEST') return send(200, { state: modal.state, error: modal.error });
      if (req.method === 'GET' && req.url === '/runs/fc-01TEST/result')
        return modal.state === 'succeeded' ? send(200, tarball, 'application/gzip') : send(409, { detail: 'not finished' });
      send(404, { detail: 'Not Found' });
    });
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

async function job(name: string): Promise<TrainingJob> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(runPaths(dir).config, '[train]\nrun_dir = "x"\n[bundle]\nout = "y"\nversion = "1.4.0"\n');
  return { id: name, dir, version: '1.4.0' };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'leafcheck-modal-'));
  await writeFile(join(work, 'key.json'), JSON.stringify(generateKeyPair()));
  await writeFile(join(work, 'fake.json'), JSON.stringify({ keyPath: join(work, 'key.json') }));
  // The run folder the remote side returns (validate .. evaluate), as a tar.gz.
  await mkdir(join(work, 'remote-run', 'export'), { recursive: true });
  await writeFile(join(work, 'remote-run', 'metrics.json'), '{"disease.top1": 0.9}');
  await writeFile(join(work, 'remote-run', 'pipeline.json'), JSON.stringify({ seconds: { train: 50, total_before_bundle: 61.5 } }));
  tarball = execFileSync('tar', ['-czf', '-', '-C', join(work, 'remote-run'), '.']);
  server = await startModalMock();
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(work, { recursive: true, force: true });
});

const command = fakeTrainerCommand(() => join(work, 'fake.json'));
const backend = (secret = SECRET, base = url) => modalBackend({ url: base, key: KEY, secret, command, cwd: REPO_ROOT });

describe('Modal training backend', () => {
  it('starts a run with the config, follows it, then fetches the run folder and signs the bundle here', { timeout: 60_000 }, async () => {
    const j = await job('ok');
    modal.state = 'running';
    expect(await backend().start(j)).toBe('fc-01TEST');
    expect(modal.configs.at(-1)).toContain('version = "1.4.0"');
    expect(await backend().status(j, 'fc-01TEST')).toEqual({ state: 'running', log: 'training on Modal (call fc-01TEST)' });

    modal.state = 'succeeded';
    expect(await backend().status(j, 'fc-01TEST')).toMatchObject({
      state: 'running',
      log: expect.stringContaining('signing the bundle here'),
    });
    expect(await readFile(join(runPaths(j.dir).runDir, 'metrics.json'), 'utf8')).toBe('{"disease.top1": 0.9}');
    let status = await backend().status(j, 'fc-01TEST');
    for (let i = 0; i < 200 && status.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await backend().status(j, 'fc-01TEST');
    }
    expect(status).toMatchObject({ state: 'succeeded', log: expect.stringContaining('== bundle (fake)') });
    expect(status.usage?.gpuSeconds).toBe(61.5); // the container's time, from the run folder's pipeline.json
    const manifest = JSON.parse(await readFile(join(runPaths(j.dir).bundle, 'manifest.json'), 'utf8')) as { bundleVersion: string };
    expect(manifest.bundleVersion).toBe('1.4.0');
    // The result was fetched once; later polls read the local signing step.
    expect(modal.requests.filter((r) => r.endsWith('/result'))).toHaveLength(1);
  });

  it('uploads the feedback export snapshot to the volume first and points the config at it', async () => {
    const j = await job('with-export');
    const snapshot = Buffer.from('a feedback export, as the API wrote it');
    await writeFile(runPaths(j.dir).export, snapshot);
    await writeFile(runPaths(j.dir).config, `[train]\nrun_dir = "x"\n[feedback]\nexport = ${JSON.stringify(runPaths(j.dir).export)}\n`);
    modal.state = 'running';
    await backend().start(j);
    const sha = createHash('sha256').update(snapshot).digest('hex');
    expect(modal.uploads.get(sha)).toEqual(snapshot);
    expect(modal.requests.slice(-2)).toEqual([`PUT /exports/${sha}`, 'POST /runs']);
    expect(modal.configs.at(-1)).toContain(`[feedback]\nexport = "/feedback/${sha}.tar.gz"`);
    expect(modal.configs.at(-1)).not.toContain(j.dir);
  });

  it("surfaces a failed Modal run with Modal's reason", async () => {
    modal.state = 'failed';
    modal.error = 'CUDA out of memory';
    const j = await job('failed');
    expect(await backend().status(j, 'fc-01TEST')).toEqual({ state: 'failed', log: '', error: 'Modal run failed: CUDA out of memory' });
    expect(existsSync(join(j.dir, 'sign.claim'))).toBe(false);
    modal.error = undefined;
  });

  it('surfaces refused credentials, unexpected answers and an unreachable endpoint', async () => {
    const j = await job('errors');
    await expect(backend('ws-wrong').start(j)).rejects.toThrow(
      /Modal endpoint answered 401 to POST \/runs: modal-http: missing credentials for proxy authorization/,
    );
    await expect(backend().status(j, 'fc-unknown')).rejects.toThrow(/answered 404 to GET \/runs\/fc-unknown/);
    modal.state = 'exploded';
    await expect(backend().status(j, 'fc-01TEST')).rejects.toThrow(/unexpected state/);
    await expect(backend(SECRET, 'http://127.0.0.1:1').start(j)).rejects.toThrow(/Modal endpoint unreachable \(POST \/runs\)/);
  });
});
