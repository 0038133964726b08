// The phone's update logic against the real API (SQLite, local registry, channels): bytes on the wire,
// resume after a broken connection, refusals that keep the old bundle, rollout and rollback.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@leafcheck/api/test-server';
import { type BundleManifest, generateKeyPair } from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryFileStore } from '../../../../../../workers/inference/src/file-store.ts';
import { channels, memoryChannelStore } from '../../../../../api/src/registry/channels.ts';
import { localRegistry } from '../../../../../api/src/registry/registry.ts';
import { otaBundle } from '../../../../../api/test/ota-bundles.ts';
import { EMPTY_STATE, goBack, type InstalledBundle, type ModelState, runUpdate, type UpdateDeps } from './update.ts';

const publisher = generateKeyPair();
const rogue = generateKeyPair();
const pub = (k: typeof publisher) => ({ keyId: k.keyId, publicKeyHex: k.publicKeyHex });
let tmp: string;
let api: TestServer;
const dirs: Record<string, string> = {};
const EMBEDDED = '1.0.0';

async function maintainer(path: string, body: unknown = {}) {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.tokens.maintainer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

async function manifestOf(version: string): Promise<BundleManifest> {
  return JSON.parse(await readFile(join(dirs[version] as string, 'manifest.json'), 'utf8')) as BundleManifest;
}

/** Counts the body bytes of every bundle file response; `meddle` may change a response (tests of refusals). */
function wire(meddle?: (url: string, res: Response, init?: RequestInit) => Promise<Response> | Response) {
  const log: { url: string; bytes: number; range: string | null; status: number }[] = [];
  const doFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    let res = await fetch(input, init);
    if (meddle) res = await meddle(url, res, init);
    if (!url.includes('/v1/bundles/')) return res;
    const entry = { url, bytes: 0, range: new Headers(init?.headers).get('range'), status: res.status };
    log.push(entry);
    const counted = (res.body as ReadableStream<Uint8Array>).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          entry.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, headers: res.headers });
  }) as typeof fetch;
  return { doFetch, log, total: () => log.reduce((n, e) => n + e.bytes, 0) };
}

function device(id: string, doFetch: typeof fetch, activate: (b: InstalledBundle) => Promise<void> = async () => undefined) {
  let state: ModelState = EMPTY_STATE;
  const store = memoryFileStore();
  const activated: string[] = [];
  const deps: UpdateDeps = {
    apiBase: api.url,
    channel: 'beta',
    deviceId: id,
    fetch: doFetch,
    store,
    loadState: async () => structuredClone(state),
    saveState: async (s) => {
      state = structuredClone(s);
    },
    trusted: [pub(publisher)],
    embeddedVersion: EMBEDDED,
    confirmDownload: async () => true,
    activate: async (b) => {
      await activate(b);
      activated.push(b.version);
    },
  };
  return { deps, store, activated, state: () => state };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'leafcheck-ota-'));
  const registry = localRegistry(join(tmp, 'registry'), [pub(publisher), pub(rogue)]);
  const plan = [
    ['1.1.0', publisher, 'backbone.onnx', 'heads.onnx'],
    ['1.2.0', publisher, 'backbone.onnx', 'heads-retrained.onnx'], // head-only retrain
    ['1.3.0', publisher, 'backbone-retrained.onnx', 'heads-retrained.onnx'], // full retrain
    ['1.4.0', rogue, 'backbone-retrained.onnx', 'heads.onnx'], // signed by a key the phone does not trust
  ] as const;
  for (const [version, key, backbone, heads] of plan) {
    dirs[version] = await otaBundle(tmp, key.privateKeyHex, { version, backbone, heads, notes: `# ${version}\n\nRetrained ${heads}.\n` });
    await registry.publish(dirSource(dirs[version] as string));
  }
  const chs = channels({ store: memoryChannelStore(), registry, signingKeyHex: () => publisher.privateKeyHex });
  api = await startTestServer({ registry, channels: chs });
});
afterAll(async () => {
  await api?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('model update against the real API', () => {
  it('downloads a whole bundle once, then only the heads file for a head-only update, then the backbone for a full one', async () => {
    const w = wire();
    const phone = device('dev-phone-a', w.doFetch);
    await maintainer('/v1/channels/beta/publish', { version: '1.1.0', percent: 100 });
    const first = await runUpdate(phone.deps);
    expect(first).toMatchObject({ kind: 'updated', version: '1.1.0', from: EMBEDDED });
    const m1 = await manifestOf('1.1.0');
    const manifestBytes = (v: string) => readFile(join(dirs[v] as string, 'manifest.json')).then((b) => b.byteLength);
    const all = (m: BundleManifest) =>
      (m.models.backbone?.bytes ?? 0) + m.models.species.bytes + Object.values(m.files).reduce((n, f) => n + f.bytes, 0);
    expect(w.total()).toBe(all(m1) + (await manifestBytes('1.1.0')));
    expect(phone.state().current).toMatchObject({ version: '1.1.0', notes: '# 1.1.0\nRetrained heads.onnx.' });

    const before = w.total();
    await maintainer('/v1/channels/beta/publish', { version: '1.2.0', percent: 100 });
    expect(await runUpdate(phone.deps)).toMatchObject({ kind: 'updated', version: '1.2.0', from: '1.1.0' });
    const m2 = await manifestOf('1.2.0');
    const headOnly = w.total() - before;
    expect(headOnly).toBeLessThanOrEqual((m2.models.species.bytes + (await manifestBytes('1.2.0'))) * 1.1);
    // The heads file, and the model card (its release notes changed); not the backbone.
    expect(w.log.slice(-3).map((e) => e.url.split('/').pop())).toEqual(['manifest.json', m2.models.species.file, 'model-card.md']);
    expect(phone.state().previous?.version).toBe('1.1.0');

    const mid = w.total();
    await maintainer('/v1/channels/beta/publish', { version: '1.3.0', percent: 100 });
    expect(await runUpdate(phone.deps)).toMatchObject({ kind: 'updated', version: '1.3.0' });
    const m3 = await manifestOf('1.3.0');
    // heads-retrained is held; the backbone, the manifest and the new release notes come.
    expect(w.total() - mid).toBe(
      (m3.models.backbone?.bytes ?? 0) + (await manifestBytes('1.3.0')) + (m3.files['model-card.md']?.bytes ?? 0),
    );
    expect(await runUpdate(phone.deps)).toEqual({ kind: 'up-to-date', version: '1.3.0' });
    // The farmer goes back; the next check does not push the version they left onto them again.
    expect((await goBack(phone.deps))?.version).toBe('1.2.0');
    expect(await runUpdate(phone.deps)).toEqual({ kind: 'up-to-date', version: '1.2.0' });
    expect((await goBack(phone.deps))?.version).toBe('1.3.0');
    // Only the current and previous bundles' files stay on the phone.
    const kept = new Set([...Object.values(phone.state().current?.files ?? {}), ...Object.values(phone.state().previous?.files ?? {})]);
    expect(new Set(phone.store.files.keys())).toEqual(kept);
  });

  it('resumes a download that broke off half way from the offset, not from zero', async () => {
    const m = await manifestOf('1.3.0');
    const backbone = m.models.backbone?.file as string;
    let broken = false;
    const w = wire(async (url, res) => {
      if (!url.endsWith(backbone) || broken) return res;
      broken = true; // the server "closes the connection" after half the file
      const bytes = new Uint8Array(await res.arrayBuffer());
      const half = bytes.subarray(0, bytes.length >> 1);
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) controller.error(new TypeError('network connection was lost'));
          else controller.enqueue(half);
          sent = true;
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    });
    const phone = device('dev-phone-b', w.doFetch);
    expect(await runUpdate(phone.deps)).toMatchObject({ kind: 'updated', version: '1.3.0' });
    const requests = w.log.filter((e) => e.url.endsWith(backbone));
    const size = m.models.backbone?.bytes as number;
    expect(requests.map((e) => [e.status, e.range])).toEqual([
      [200, null],
      [206, `bytes=${size >> 1}-`],
    ]);
    expect(requests.reduce((n, e) => n + e.bytes, 0)).toBe(size);
  });

  it('refuses a corrupted file, an untrusted or altered manifest, a failed self-test; the old bundle stays', async () => {
    const m = await manifestOf('1.3.0');
    const corrupt = wire(async (url, res) => {
      if (!url.endsWith(m.models.species.file)) return res;
      const bytes = new Uint8Array(await res.arrayBuffer());
      bytes[10] = (bytes[10] as number) ^ 0xff;
      return new Response(bytes, { status: res.status, headers: res.headers });
    });
    const phone = device('dev-phone-c', corrupt.doFetch);
    expect(await runUpdate(phone.deps)).toMatchObject({ kind: 'refused', code: 'FILE_HASH_MISMATCH' });
    expect(phone.state().current).toBeNull();
    expect(phone.activated).toEqual([]);

    const altered = wire(async (url, res) => {
      if (!url.endsWith('manifest.json')) return res;
      const text = (await res.text()).replace('"createdAt"', '"createdAt" ');
      return new Response(text, { status: res.status, headers: res.headers });
    });
    expect(await runUpdate(device('dev-phone-d', altered.doFetch).deps)).toMatchObject({
      kind: 'refused',
      message: 'manifest.json of 1.3.0 is not the one the update server assigned',
    });

    const failing = device('dev-phone-e', wire().doFetch, async () => {
      throw Object.assign(new Error('self-test: species probabilities are not finite'), { name: 'MODEL_FAILED' });
    });
    expect(await runUpdate(failing.deps)).toMatchObject({ kind: 'refused', code: 'MODEL_FAILED' });
    expect(failing.state().current).toBeNull();

    await maintainer('/v1/channels/beta/publish', { version: '1.4.0', percent: 100 });
    const rogueSigned = device('dev-phone-f', wire().doFetch);
    expect(await runUpdate(rogueSigned.deps)).toMatchObject({ kind: 'refused', version: '1.4.0', code: 'UNTRUSTED_KEY' });
    await maintainer('/v1/channels/beta/rollback', { reason: 'signed by the wrong key' });
  });

  it('a rollback returns the phone to the previous bundle on its next check; without the signed statement it is refused', async () => {
    // The beta base is 1.3.0 again after the rollback above; put a phone on 1.3.0, then roll the channel back to 1.2.0.
    const w = wire();
    const phone = device('dev-phone-g', w.doFetch);
    expect(await runUpdate(phone.deps)).toMatchObject({ kind: 'updated', version: '1.3.0' });
    await maintainer('/v1/channels/beta/rollback', { reason: '1.3.0 misreads bean rust' });

    const stripped = wire(async (url, res) => {
      if (!url.includes('/assignment')) return res;
      const body = await res.json();
      return Response.json({ ...body, rollback: null });
    });
    const noStatement = { ...phone.deps, fetch: stripped.doFetch };
    expect(await runUpdate(noStatement)).toMatchObject({ kind: 'refused', version: '1.2.0', code: 'ROLLBACK_REFUSED' });
    expect(phone.state().current?.version).toBe('1.3.0');

    const before = w.total();
    expect(await runUpdate(phone.deps)).toMatchObject({ kind: 'updated', version: '1.2.0', from: '1.3.0' });
    expect(w.total() - before).toBe((await readFile(join(dirs['1.2.0'] as string, 'manifest.json'))).byteLength); // files held
    expect(phone.state().highestVerified).toBe('1.3.0');
    // The farmer can still go back to the newer one they had.
    expect((await goBack(phone.deps))?.version).toBe('1.3.0');
  });

  it('a full phone: a clear message, nothing half-installed, the old bundle stays', async () => {
    const phone = device('dev-phone-i', wire().doFetch);
    phone.deps.store.put = async () => {
      throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    };
    expect(await runUpdate(phone.deps)).toEqual({
      kind: 'storage-full',
      version: '1.2.0',
      message: 'not enough storage on this phone for the new model; the current one stays',
    });
    expect(phone.state().current).toBeNull();
    expect(phone.activated).toEqual([]);
  });

  it('asks before a download above the limit, says how big it is, and downloads nothing if the farmer says no', async () => {
    const w = wire();
    const asked: number[] = [];
    const phone = device('dev-phone-h', w.doFetch);
    const no = {
      ...phone.deps,
      askAboveBytes: 1000,
      confirmDownload: async (bytes: number) => {
        asked.push(bytes);
        return false;
      },
    };
    const outcome = await runUpdate(no);
    const m = await manifestOf('1.2.0');
    const size = (m.models.backbone?.bytes ?? 0) + m.models.species.bytes + Object.values(m.files).reduce((n, f) => n + f.bytes, 0);
    expect(outcome).toEqual({ kind: 'needs-consent', version: '1.2.0', bytes: size });
    expect(asked).toEqual([size]);
    expect(w.log.map((e) => e.url.split('/').pop())).toEqual(['manifest.json']);
    expect(phone.state().current).toBeNull();
    expect(await runUpdate(phone.deps)).toMatchObject({ kind: 'updated', version: '1.2.0' }); // under 1 MB: no question
  });
});
