// Backend choice without a browser: threads, golden inputs, and the remembered WebGPU verdict.
// onnxruntime-node stands in for the web build (same API); it has no WebGPU provider, so the self-test fails to start.
import { fileURLToPath } from 'node:url';
import { verifyBundle } from '@leafcheck/bundle';
import { dirSource } from '@leafcheck/bundle/node';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readKeyFile } from '../../../apps/cli/src/node-platform.ts';
import { chooseBackend, goldenInputs } from '../src/backend.ts';
import { createOrtRunner, type Ort } from '../src/ort-runner.ts';
import { chooseThreads } from '../src/threads.ts';
import type { Verdict, VerdictStore } from '../src/verdict-store.ts';

const ort = ortNode as unknown as Ort;
const dir = fileURLToPath(new URL('../../../packages/bundle/fixtures/signed-by-python/', import.meta.url));
const key = readKeyFile(fileURLToPath(new URL('../../../packages/bundle/fixtures/signed-by-python.key.json', import.meta.url)));

function memoryStore(): VerdictStore & { map: Map<string, Verdict> } {
  const map = new Map<string, Verdict>();
  return { map, get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v) };
}

describe('chooseThreads', () => {
  it('1 thread without isolation, whatever the cores', () => {
    expect(chooseThreads(false, 8)).toMatchObject({ threads: 1 });
  });
  it('min(2, cores) with isolation', () => {
    expect(chooseThreads(true, 8).threads).toBe(2);
    expect(chooseThreads(true, 1).threads).toBe(1);
    expect(chooseThreads(true, undefined).threads).toBe(1);
  });
});

describe('goldenInputs', () => {
  it('are deterministic and the model input size', () => {
    const a = goldenInputs(32, 32);
    expect(a).toHaveLength(3);
    for (const x of a) expect(x.length).toBe(32 * 32 * 3);
    expect(goldenInputs(32, 32)).toEqual(a);
  });
});

describe('chooseBackend', async () => {
  const bundle = await verifyBundle(dirSource(dir), [key]);
  const threads = { threads: 1, why: 'test' };
  const base = { bundle, threads, loadWebGpuOrt: async () => ort };
  // onnxruntime-node's provider is 'cpu': it plays the WASM side here.
  const cpu = await createOrtRunner(ort, bundle, 'cpu' as 'wasm');

  it('WASM when the browser has no WebGPU, saying so', async () => {
    const c = await chooseBackend({ ...base, wasm: cpu, gpu: undefined, store: memoryStore() });
    expect(c.report).toMatchObject({ name: 'wasm', threads: 1 });
    expect(c.report.reason).toMatch(/WebGPU not available/);
  });
  it('WASM when there is no adapter (--disable-gpu)', async () => {
    const c = await chooseBackend({ ...base, wasm: cpu, gpu: { requestAdapter: async () => null }, store: memoryStore() });
    expect(c.report.reason).toMatch(/no adapter/);
  });
  it('a self-test that cannot run is remembered per device + bundle version and not re-run', async () => {
    const store = memoryStore();
    let loads = 0;
    const loadWebGpuOrt = async () => {
      loads++;
      return ort;
    };
    const gpu = { requestAdapter: async () => ({ info: { vendor: 'acme', architecture: 'x', device: '1', description: 'test gpu' } }) };
    const first = await chooseBackend({ ...base, wasm: cpu, gpu, store, loadWebGpuOrt });
    expect(first.report.name).toBe('wasm');
    expect(first.report.reason).toMatch(/self-test could not run/);
    expect([...store.map.keys()]).toEqual(['acme|x|1|test gpu|0.0.1-fixture']);
    const second = await chooseBackend({ ...base, wasm: cpu, gpu, store, loadWebGpuOrt });
    expect(second.report.reason).toMatch(/^remembered for this device/);
    expect(loads).toBe(1);
  });
  it('a "WebGPU" whose answers differ from WASM fails the self-test, and the verdict names the difference', async () => {
    // onnxruntime-node on the CPU standing in for WebGPU, with its first logit shifted: a wrong kernel.
    const skewed = {
      ...ortNode,
      InferenceSession: {
        async create(bytes: Uint8Array) {
          const s = await ortNode.InferenceSession.create(bytes);
          return {
            async run(feeds: Record<string, ortNode.Tensor>, fetches: string[]) {
              const out = await s.run(feeds, fetches);
              const skew = (t: ortNode.Tensor) =>
                new ortNode.Tensor(
                  'float32',
                  Float32Array.from(t.data as Float32Array, (v, i) => (i === 0 ? v + 8 : v)),
                  t.dims,
                );
              return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, skew(t)]));
            },
            release: () => s.release(),
          };
        },
      },
    } as unknown as Ort;
    const store = memoryStore();
    const gpu = { requestAdapter: async () => ({ info: { vendor: 'acme' } }) };
    const c = await chooseBackend({ ...base, wasm: cpu, gpu, store, loadWebGpuOrt: async () => skewed });
    expect(c.report.name).toBe('wasm');
    expect(c.report.reason).toMatch(/^WebGPU self-test failed: max prob diff [0-9.e+-]+, different top-1/);
    expect([...store.map.values()][0]?.backend).toBe('wasm');
  });
});
