// The real entry point as `npm start` runs it: auto-created SQLite DB, dev tokens, healthz.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/env.ts';
import { record } from './fixtures.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function start(env: Record<string, string>): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/api/src/server.ts')], {
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('leafcheck api on')) {
        clearTimeout(timer);
        resolve({ child, log: () => log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited ${code}:\n${log}`)));
  });
}

describe('server.ts', () => {
  const children: ChildProcess[] = [];
  let dir = '';
  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates the DB and dev tokens on first start, and the device token can send feedback', { timeout: 60_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'leafcheck-server-'));
    const port = await freePort();
    const env = {
      PORT: String(port),
      LEAFCHECK_DB: join(dir, 'db', 'leafcheck.db'),
      LEAFCHECK_PHOTOS: join(dir, 'photos'),
      LEAFCHECK_DEV_TOKENS: join(dir, 'dev-tokens.json'),
      LEAFCHECK_BUNDLE_DIR: join(dir, 'no-bundle'),
      LEAFCHECK_DEV_DEVICE_TOKEN: 'known-device-token-for-the-pwa',
    };
    const { child, log } = await start(env);
    children.push(child);
    expect(log()).toContain('device token for the PWA: lc_device_');
    const tokens = JSON.parse(await readFile(env.LEAFCHECK_DEV_TOKENS, 'utf8')) as Record<string, string>;
    expect(Object.keys(tokens).sort()).toEqual(['agronomist', 'device', 'maintainer']);
    const url = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true, bundleVersion: null });
    for (const token of [tokens.device, 'known-device-token-for-the-pwa']) {
      const res = await fetch(`${url}/v1/feedback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'http://localhost:5173' },
        body: JSON.stringify({ records: [record(1)] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    }
  });
});
