// Inference benchmark: onnxruntime-node vs onnxruntime-web WASM (1 and 2 threads) in headless
// Chromium, side by side in one run, on the same bundle and photo.
//   npx tsx bench/inference/run.ts [--bundle DIR] [--trust KEY.json]... [--runs N] [--image FILE]
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TrustedKey } from '@leafcheck/bundle';
import { trustedKeysWithLocal } from '@leafcheck/bundle/node';
import { launchChromium } from '@leafcheck/test-browser';
import { createNodePipeline, DEFAULT_BUNDLE_DIR, readKeyFile } from '../../apps/cli/src/node-platform.ts';
import { SHARED_DATA, sharedImage } from '../../workers/inference/test/server.ts';
import { buildPage, serve } from './browser.ts';
import { chainReport } from './chain.ts';
import { weightFoldingReport } from './weight-folding.ts';

const { values } = parseArgs({
  options: {
    bundle: { type: 'string', default: DEFAULT_BUNDLE_DIR },
    trust: { type: 'string', multiple: true },
    runs: { type: 'string', default: '100' },
    image: { type: 'string' },
  },
});
const bundleDir = resolve(values.bundle);
const runs = Number(values.runs);
const extraKeys: TrustedKey[] = (values.trust ?? []).map(readKeyFile);
const imagePath = values.image ?? fileURLToPath(new URL(sharedImage('plantvillage/Tomato___Late_blight/'), SHARED_DATA));
const photo = new Uint8Array(readFileSync(imagePath));
const loadAtStart = loadavg();

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
const p95 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * 0.95))] ?? Number.NaN;

interface Row {
  name: string;
  coldFirst: number;
  coldCached: number;
  warm: number[];
  pipeline: number[];
  /** Per warm run: decode, preprocess, models (the pipeline's own stagesMs). */
  steps: Record<string, number>[];
  note: string;
}

const heatmapRuns = { off: [] as number[], on: [] as number[] };

async function nodeRow(): Promise<Row> {
  const cold = async () => {
    const t0 = performance.now();
    const n = await createNodePipeline(bundleDir, extraKeys);
    await n.pipeline.diagnose([photo]);
    return { ms: performance.now() - t0, n };
  };
  const first = await cold();
  await first.n.release();
  const { ms, n } = await cold();
  for (let i = 0; i < 5; i++) await n.pipeline.diagnose([photo]);
  const warm: number[] = [];
  const pipeline: number[] = [];
  const steps: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const d = await n.pipeline.diagnose([photo.slice()]);
    warm.push(performance.now() - t);
    pipeline.push(d.elapsedMs);
    if (d.stagesMs) steps.push(d.stagesMs);
  }
  // The heatmap's cost: runs with and without it interleaved, so machine load hits both alike.
  for (let i = 0; i < Math.min(runs, 50); i++) {
    for (const heatmap of [false, true]) {
      const t = performance.now();
      await n.pipeline.diagnose([photo.slice()], { heatmap });
      (heatmap ? heatmapRuns.on : heatmapRuns.off).push(performance.now() - t);
    }
  }
  await n.release();
  return {
    name: 'onnxruntime-node (CPU EP, sharp)',
    coldFirst: first.ms,
    coldCached: ms,
    warm,
    pipeline,
    steps,
    note: 'in-process; module import not counted',
  };
}

type BenchFn = (
  url: string,
  photo: ArrayBuffer,
  runs: number,
  options: { trustedKeys: TrustedKey[] },
) => Promise<{
  coldMs: number;
  warmMs: number[];
  pipelineMs: number[];
  stepsMs: Record<string, number>[];
  backend: { name: string; threads: number; reason: string };
  isolated: boolean;
  stages: Record<string, number>;
}>;

async function browserRows(): Promise<{ rows: Row[]; reasons: string[]; stages: string[] }> {
  const pageDir = await buildPage();
  const browser = await launchChromium();
  const rows: Row[] = [];
  const reasons: string[] = [];
  const stages: string[] = [];
  const trustedKeys = [...trustedKeysWithLocal(), ...extraKeys];
  try {
    for (const isolated of [false, true]) {
      const { server, url } = await serve(pageDir, bundleDir, isolated);
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${url}/`);
      await page.waitForFunction(() => 'bench' in globalThis);
      const run = (n: number) =>
        page.evaluate(
          async ({ data, n, trustedKeys }) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const bench = (globalThis as unknown as { bench: BenchFn }).bench;
            return bench(new URL('/bundle/', location.href).href, bytes.buffer, n, { trustedKeys });
          },
          { data: Buffer.from(photo).toString('base64'), n, trustedKeys },
        );
      const first = await run(0); // empty HTTP cache: downloads the bundle and the runtime
      // Bundle, .wasm and compiled code cached, as for a returning user: the median of 3 starts.
      const again = [await run(0), await run(0)];
      const cached = await run(runs + 5);
      const colds = [...again, cached].sort((a, b) => a.coldMs - b.coldMs);
      const typical = colds[1] ?? cached;
      const r = cached.backend;
      rows.push({
        name: `onnxruntime-web ${r.name.toUpperCase()}, ${r.threads} thread${r.threads > 1 ? 's' : ''}`,
        coldFirst: first.coldMs,
        coldCached: typical.coldMs,
        warm: cached.warmMs.slice(5),
        pipeline: cached.pipelineMs.slice(5),
        steps: cached.stepsMs.slice(5),
        note: cached.isolated ? 'COOP/COEP' : 'not isolated',
      });
      reasons.push(r.reason);
      stages.push(
        `${r.threads} thread(s), cached cold start by stage (ms): ${Object.entries(typical.stages)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')}`,
      );
      await context.close();
      server.close();
    }
  } finally {
    await browser.close();
    rmSync(pageDir, { recursive: true, force: true });
  }
  return { rows, reasons, stages };
}

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const node = await nodeRow();
const { rows: web, reasons, stages } = await browserRows();
const all = [node, ...web];
const header = [
  '',
  'cold first (ms)',
  'cold cached, median of 3 (ms)',
  'warm median (ms)',
  'warm p95 (ms)',
  'pipeline median (ms)',
  'web/native',
  'note',
];
const table = [
  header,
  ...all.map((r) => [
    r.name,
    f(r.coldFirst),
    f(r.coldCached),
    f(median(r.warm)),
    f(p95(r.warm)),
    f(median(r.pipeline)),
    r === node ? '1.00' : (median(r.warm) / median(node.warm)).toFixed(2),
    r.note,
  ]),
  ['WebGPU', '-', '-', '-', '-', '-', '-', `not run: ${reasons[0] ?? ''}`],
];
const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
const manifest = JSON.parse(readFileSync(resolve(bundleDir, 'manifest.json'), 'utf8'));
console.log(
  `bundle ${manifest.bundleVersion} (${bundleDir}), model input ${manifest.models.species.input.width}px, photo ${imagePath} (${photo.length} bytes), ${runs} warm runs`,
);
const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model}; load average ${load(loadAtStart)} at start, ${load(loadavg())} at end (other work on the machine slows every column alike)`,
);
console.log(table.map((r) => r.map((v, c) => v.padEnd(widths[c] ?? 0)).join(' | ')).join('\n'));
const best = Math.min(...web.map((r) => median(r.warm)));
console.log(
  `targets: warm web WASM <= 1.5x native (${(best / median(node.warm)).toFixed(2)}x) and <= 60 ms (${best.toFixed(1)} ms); cold start cached <= 1000 ms (${Math.min(...web.map((r) => r.coldCached)).toFixed(0)} ms)`,
);
const [off, on] = [median(heatmapRuns.off), median(heatmapRuns.on)];
console.log(
  `heatmap (native, ${heatmapRuns.on.length} interleaved pairs): off ${f(off)} ms, on ${f(on)} ms (${(on / off).toFixed(3)}x)${manifest.models.disease.cam ? '' : '; this bundle has no maps'}`,
);
for (const r of reasons) console.log(`backend reason: ${r}`);
for (const s of stages) console.log(s);
for (const r of all) {
  const keys = Object.keys(r.steps[0] ?? {});
  console.log(
    `${r.name}: warm pipeline by step, medians (ms): ${keys.map((k) => `${k} ${f(median(r.steps.map((s) => s[k] as number)))}`).join(', ')}`,
  );
}
// The chained layout (backbone file + heads file) against this bundle's single graph, and update sizes.
for (const line of await chainReport(bundleDir, runs)) console.log(line);
console.log(await weightFoldingReport(bundleDir, runs, extraKeys));
