// Backbone + heads (the chained layout) vs the single graph, on the bundle's own weights: the same graph cut at
// its last feature map by split_graph.py (or the bundle itself when it is already chained). Prints warm timings
// on onnxruntime-node (interleaved, same input) and what an update costs a phone in each layout.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BundleManifest, sha256HexSync, type VerifiedBundle } from '@leafcheck/bundle';
import { createNodeRunner } from '../../apps/cli/src/node-platform.ts';

const REPO = resolve(import.meta.dirname, '../..');

function trainerPython(): string {
  return join(execFileSync('bash', [join(REPO, 'scripts/trainer-env.sh')], { encoding: 'utf8' }).trim(), 'bin', 'python');
}

/** The single-graph bundle and its chained twin (same weights), as runner inputs. */
function bundles(dir: string, work: string): { single: VerifiedBundle; chained: VerifiedBundle } {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  const graph = new Uint8Array(readFileSync(join(dir, manifest.models.species.file)));
  const split = JSON.parse(execFileSync(trainerPython(), [join(REPO, 'bench/inference/split_graph.py'), dir, work], { encoding: 'utf8' }));
  const [backbone, heads] = ['backbone.onnx', 'heads.onnx'].map((f) => new Uint8Array(readFileSync(join(work, f)))) as [
    Uint8Array,
    Uint8Array,
  ];
  const chainedManifest: BundleManifest = structuredClone(manifest);
  chainedManifest.models.backbone = {
    file: 'backbone.onnx',
    sha256: sha256HexSync(backbone),
    bytes: backbone.byteLength,
    input: manifest.models.species.input,
    output: { name: split.features, layout: 'NCHW', dtype: 'float32' },
  };
  for (const kind of ['species', 'disease'] as const)
    Object.assign(chainedManifest.models[kind], { file: 'heads.onnx', bytes: heads.byteLength });
  const signedBy = { keyId: 'bench', publicKeyHex: '' };
  const content = { names: null, adviceTranslations: {} };
  return {
    single: { manifest, signedBy, content, files: new Map([[manifest.models.species.file, graph]]) },
    chained: {
      manifest: chainedManifest,
      signedBy,
      content,
      files: new Map([
        ['backbone.onnx', backbone],
        ['heads.onnx', heads],
      ]),
    },
  };
}

export async function chainReport(dir: string, runs: number): Promise<string[]> {
  const work = mkdtempSync(join(tmpdir(), 'leafcheck-chain-bench-'));
  try {
    if ((JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest).models.backbone) {
      return ['backbone+heads vs single graph: this bundle is already chained (the comparison cuts a single graph); not run'];
    }
    const { single, chained } = bundles(dir, work);
    const { height, width } = single.manifest.models.species.input;
    const input = Uint8Array.from({ length: height * width * 3 }, (_, i) => (i * 37) % 256);
    const dims = [1, height, width, 3] as const;
    const runners = { single: await createNodeRunner(single), chained: await createNodeRunner(chained) };
    const times = { single: [] as number[], chained: [] as number[] };
    let maxDiff = 0;
    for (let i = 0; i < runs + 5; i++) {
      const out: Record<string, Float32Array[]> = {};
      for (const name of (i % 2 ? ['single', 'chained'] : ['chained', 'single']) as ('single' | 'chained')[]) {
        const t0 = performance.now();
        const logits = await runners[name].run(['species', 'disease'], input, dims);
        if (i >= 5) times[name].push(performance.now() - t0);
        out[name] = [logits.species as Float32Array, logits.disease as Float32Array];
      }
      for (const [k, a] of (out.single ?? []).entries()) {
        const b = out.chained?.[k] as Float32Array;
        for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs((a[j] as number) - (b[j] as number)));
      }
    }
    await Promise.all(Object.values(runners).map((r) => r.release()));
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
    const [s, c] = [median(times.single), median(times.chained)];
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    const m = chained.manifest;
    const manifestBytes = readFileSync(join(dir, 'manifest.json')).byteLength;
    const heads = m.models.species.bytes;
    const backbone = m.models.backbone?.bytes ?? 0;
    const graph = single.manifest.models.species.bytes;
    return [
      `backbone+heads vs single graph (native, models only, ${runs} interleaved pairs): single ${s.toFixed(2)} ms, chained ${c.toFixed(2)} ms (${(c / s).toFixed(3)}x); max logit diff ${maxDiff.toExponential(1)}`,
      `update sizes: single graph ${kb(graph)} for any retrain; chained: head-only retrain ${kb(heads)} (heads file) + ${kb(manifestBytes)} manifest, full retrain ${kb(backbone + heads)} (backbone ${kb(backbone)} + heads) + manifest`,
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const dir = resolve(process.argv[2] ?? join(REPO, 'bundles/default'));
  for (const line of await chainReport(dir, Number(process.argv[3] ?? 100))) console.log(line);
}
