// Parity on real photos from ../shared/data: the browser path (the worker in Chromium), the Node
// path (CLI pipeline) and the trainer's own preprocessing + Python onnxruntime (trainer_probs.py,
// the code `python -m trainer evaluate` runs) must give the same answer.
//   npx tsx bench/inference/parity.ts [--bundle DIR] [--trust KEY.json]... [--per-class N | --splits CSV | --test-split]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BundleManifest, TrustedKey } from '@leafcheck/bundle';
import { trustedKeysWithLocal } from '@leafcheck/bundle/node';
import { calibratedSoftmax, type Diagnosis } from '@leafcheck/diagnosis';
import { launchChromium } from '@leafcheck/test-browser';
import { createNodePipeline, DEFAULT_BUNDLE_DIR, readKeyFile } from '../../apps/cli/src/node-platform.ts';
import { PAGE, REPO_ROOT, readCsv, SHARED_DATA, startServer } from '../../workers/inference/test/server.ts';

const { values } = parseArgs({
  options: {
    bundle: { type: 'string', default: DEFAULT_BUNDLE_DIR },
    trust: { type: 'string', multiple: true },
    'per-class': { type: 'string', default: '10' },
    splits: { type: 'string' },
    'test-split': { type: 'boolean', default: false },
  },
});
const bundleDir = resolve(values.bundle);
const extraKeys: TrustedKey[] = (values.trust ?? []).map(readKeyFile);
const perClass = Number(values['per-class']);
const manifest: BundleManifest = JSON.parse(readFileSync(resolve(bundleDir, 'manifest.json'), 'utf8'));
const NAL = manifest.taxonomy.notALeaf;
const known = new Set([...manifest.models.disease.output.labels, NAL]);

const venv = execFileSync('bash', [resolve(REPO_ROOT, 'scripts/trainer-env.sh')], { encoding: 'utf8' }).trim();
const pythonOptions = { cwd: REPO_ROOT, env: { ...process.env, PYTHONPATH: REPO_ROOT }, maxBuffer: 1 << 28 };

/** --test-split: the trainer's own split, made again (it is deterministic: groups hashed), so a fresh clone needs no run folder. */
function trainerSplitsCsv(): string {
  const out = mkdtempSync(join(tmpdir(), 'leafcheck-split-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  execFileSync(`${venv}/bin/python`, ['-m', 'trainer', 'split', '--data', fileURLToPath(SHARED_DATA), '--out', out], pythonOptions);
  return join(out, 'splits.csv');
}
const splitsCsv = values['test-split'] ? trainerSplitsCsv() : values.splits;

// Default: iBean's test split and PlantVillage, the first N per class by sha256 (deterministic, unbiased by name).
// --splits trainer/runs/default/splits.csv, or --test-split: the trainer's held-out test split (what `evaluate` scored).
function chooseImages(): { path: string; label: string }[] {
  if (splitsCsv)
    return readCsv(resolve(splitsCsv))
      .filter((r) => r.split === 'test' && known.has(r.label as string))
      .map((r) => ({ path: r.path as string, label: r.label as string }));
  const byClass = new Map<string, { path: string; label: string; sha: string }[]>();
  for (const r of readCsv(new URL('manifest.csv', SHARED_DATA))) {
    const [path, label] = [r.relative_path as string, r.class as string];
    if (!known.has(label) || !(path.startsWith('plantvillage/') || path.startsWith('ibean/test/'))) continue;
    byClass.set(label, [...(byClass.get(label) ?? []), { path, label, sha: r.sha256 as string }]);
  }
  return [...byClass.values()].flatMap((rs) => rs.sort((a, b) => a.sha.localeCompare(b.sha)).slice(0, perClass));
}
const selection = splitsCsv
  ? `the test split of ${values.splits ?? 'python -m trainer split'}`
  : `${perClass} per class, PlantVillage + iBean test`;
const images = chooseImages().map((r) => ({ path: fileURLToPath(new URL(r.path, SHARED_DATA)), label: r.label }));

/** The app's answer: not-a-leaf, else the top disease within the top crop. */
function answerOf(d: Diagnosis): string {
  return d.kind === 'not-sure' && d.reason === 'not-a-leaf' ? NAL : (d.disease as string);
}
function answerFromProbs(species: number[], disease: number[]): { answer: string; crop: string; within: Map<string, number> } {
  const labels = manifest.models.species.output.labels;
  if ((species[labels.indexOf(NAL)] as number) >= manifest.thresholds.notALeaf) return { answer: NAL, crop: NAL, within: new Map() };
  const crop = labels
    .filter((l) => l !== NAL)
    .reduce((a, b) => ((species[labels.indexOf(b)] as number) > (species[labels.indexOf(a)] as number) ? b : a));
  return { answer: withinCrop(disease, crop).best, crop, within: withinCrop(disease, crop).probs };
}
/** Renormalising temperature-softmax probabilities over a subset = softmax of that subset's logits / T. */
function withinCrop(disease: number[], crop: string): { best: string; probs: Map<string, number> } {
  const dl = manifest.models.disease.output.labels;
  const members = manifest.taxonomy.crops[crop] ?? [];
  const sum = members.reduce((s, l) => s + (disease[dl.indexOf(l)] as number), 0);
  const probs = new Map(members.map((l) => [l, (disease[dl.indexOf(l)] as number) / sum]));
  return { best: [...probs].sort((a, b) => b[1] - a[1])[0]?.[0] as string, probs };
}

console.error(`${images.length} images (${selection}), bundle ${manifest.bundleVersion}`);

// 1. Trainer preprocessing + Python onnxruntime.
const py: { species: number[]; disease: number[] }[] = JSON.parse(
  execFileSync(`${venv}/bin/python`, [resolve(REPO_ROOT, 'bench/inference/trainer_probs.py'), bundleDir], {
    ...pythonOptions,
    input: JSON.stringify(images.map((i) => i.path)),
    encoding: 'utf8',
  }),
);

// 2. Node: the CLI's pipeline.
const node = await createNodePipeline(bundleDir, extraKeys);
const nodeResults: Diagnosis[] = [];
const nodeDisease: number[][] = []; // full disease probabilities, for evaluate's own metric
const { disease: dm } = manifest.models;
for (const img of images) {
  const bytes = new Uint8Array(readFileSync(img.path));
  nodeResults.push(await node.pipeline.diagnose([bytes]));
  const t = (await node.pipeline.prepare(bytes)).disease;
  nodeDisease.push(
    Array.from(calibratedSoftmax((await node.runner.run(['disease'], t.data, t.dims)).disease as Float32Array, dm.temperature)),
  );
}
await node.release();

// 3. Browser: the worker in Chromium.
const { server, url } = await startServer(false, [bundleDir]);
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(url + PAGE);
await page.waitForFunction(() => 'harness' in globalThis, null, { timeout: 60_000 });
const base = `/@fs${bundleDir.endsWith('/') ? bundleDir : `${bundleDir}/`}`;
await page.evaluate(
  async ({ base, keys }) => {
    const g = globalThis as unknown as {
      harness: { startWorker: () => { load: (u: string, o: unknown) => Promise<unknown> } };
      api: unknown;
    };
    g.api = g.harness.startWorker();
    await (g.api as { load: (u: string, o: unknown) => Promise<unknown> }).load(new URL(base, location.href).href, { trustedKeys: keys });
  },
  { base, keys: [...trustedKeysWithLocal(), ...extraKeys] },
);
const browserResults: Diagnosis[] = [];
for (const img of images) {
  browserResults.push(
    await page.evaluate(async (data) => {
      const g = globalThis as unknown as { api: { diagnose: (p: ArrayBuffer[]) => Promise<Diagnosis> } };
      return g.api.diagnose([Uint8Array.from(atob(data), (c) => c.charCodeAt(0)).buffer]);
    }, readFileSync(img.path).toString('base64')),
  );
}
await browser.close();
await server.close();

// Compare.
const n = images.length;
const answers = {
  browser: browserResults.map(answerOf),
  node: nodeResults.map(answerOf),
  python: py.map((p) => answerFromProbs(p.species, p.disease).answer),
};
const same = (a: string[], b: string[]) => a.filter((x, i) => x === b[i]).length / n;
const accuracy = (a: string[]) => a.filter((x, i) => x === images[i]?.label).length / n;
function maxDiff(a: (d: number) => Map<string, number>, b: (d: number) => Map<string, number>): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = a(i);
    const y = b(i);
    for (const [k, v] of x) if (y.has(k)) m = Math.max(m, Math.abs(v - (y.get(k) as number)));
  }
  return m;
}
const cropsOf = (d: Diagnosis) => new Map(d.crops.map((c) => [c.label, c.probability]));
const pySpecies = (i: number) => new Map(manifest.models.species.output.labels.map((l, k) => [l, py[i]?.species[k] as number]));
const altsOf = (d: Diagnosis) => new Map(d.alternatives.map((a) => [a.label, a.probability]));
const pyWithin = (i: number, crop: string | undefined) => (crop ? withinCrop(py[i]?.disease ?? [], crop).probs : new Map<string, number>());

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
console.log(`parity on ${n} real images from ../shared/data (${selection}), bundle ${manifest.bundleVersion}`);
console.log(`same app answer (not-a-leaf, or top disease within top crop):`);
console.log(`  browser vs node   ${pct(same(answers.browser, answers.node))}`);
console.log(`  browser vs python ${pct(same(answers.browser, answers.python))}`);
console.log(`  node vs python    ${pct(same(answers.node, answers.python))}`);
console.log(`max probability difference, species (all labels) / disease (within the same crop):`);
console.log(
  `  browser vs node   ${maxDiff(
    (i) => cropsOf(browserResults[i] as Diagnosis),
    (i) => cropsOf(nodeResults[i] as Diagnosis),
  ).toExponential(2)} / ${maxDiff(
    (i) => altsOf(browserResults[i] as Diagnosis),
    (i) => (browserResults[i]?.crop === nodeResults[i]?.crop ? altsOf(nodeResults[i] as Diagnosis) : new Map()),
  ).toExponential(2)}`,
);
console.log(
  `  browser vs python ${maxDiff((i) => cropsOf(browserResults[i] as Diagnosis), pySpecies).toExponential(2)} / ${maxDiff(
    (i) => altsOf(browserResults[i] as Diagnosis),
    (i) => pyWithin(i, browserResults[i]?.crop),
  ).toExponential(2)}`,
);
console.log(
  `  node vs python    ${maxDiff((i) => cropsOf(nodeResults[i] as Diagnosis), pySpecies).toExponential(2)} / ${maxDiff(
    (i) => altsOf(nodeResults[i] as Diagnosis),
    (i) => pyWithin(i, nodeResults[i]?.crop),
  ).toExponential(2)}`,
);
const acc = { browser: accuracy(answers.browser), node: accuracy(answers.node), python: accuracy(answers.python) };
console.log(
  `accuracy of the app answer against the true label: python ${pct(acc.python)}, node ${pct(acc.node)}, browser ${pct(acc.browser)}`,
);
console.log(
  `accuracy cost of the browser path vs the trainer's preprocessing: ${((acc.python - acc.browser) * 100).toFixed(2)} points (target <= 0.5)`,
);
// evaluate's metric: top-1 over all disease classes, leaf photos only.
const leafIdx = images.map((img, i) => (img.label === NAL ? -1 : i)).filter((i) => i >= 0);
const top1 = (probs: (i: number) => number[]) =>
  leafIdx.filter((i) => {
    const p = probs(i);
    return dm.output.labels[p.indexOf(Math.max(...p))] === images[i]?.label;
  }).length / leafIdx.length;
console.log(
  `evaluate's disease top-1 (all classes, ${leafIdx.length} leaf photos): python ${pct(top1((i) => py[i]?.disease ?? []))}, node ${pct(top1((i) => nodeDisease[i] ?? []))}`,
);
const disagree = images.map((img, i) => ({ img, b: answers.browser[i], p: answers.python[i] })).filter((x) => x.b !== x.p);
for (const d of disagree.slice(0, 10))
  console.log(`  differs: ${d.img.path.replace(fileURLToPath(SHARED_DATA), '')}: browser ${d.b}, python ${d.p}`);
