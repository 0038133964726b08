// The composed pipeline with a tiny deterministic "model" (logits from the mean colour of the
// input tensor) and a 24-bit BMP decoder, so each rule can be driven by the colour of the photo.
import { readFileSync } from 'node:fs';
import type { BundleManifest } from '@leafcheck/bundle';
import { describe, expect, it } from 'vitest';
import type { Logits, ModelRunner } from '../src/model-runner.ts';
import { createPipeline } from '../src/pipeline.ts';
import type { ImageDecoder } from '../src/platform.ts';

const manifest: BundleManifest = JSON.parse(
  readFileSync(new URL('../../bundle/fixtures/signed-by-python/manifest.json', import.meta.url), 'utf8'),
);
// species labels: Bean, Tomato, Background_without_leaves; disease: Bean___Angular_leaf_spot, Bean___healthy, Tomato___Late_blight, Tomato___healthy

function bmp(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const row = Math.ceil((width * 3) / 4) * 4;
  const b = new Uint8Array(54 + row * height);
  const v = new DataView(b.buffer);
  b.set([0x42, 0x4d]);
  v.setUint32(2, b.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) b.set([rgb[2], rgb[1], rgb[0]], 54 + y * row + x * 3);
  return b;
}

const bmpDecoder: ImageDecoder = {
  maxPixels: 1e6,
  appliesExifOrientation: false,
  async decode(bytes, { header }) {
    const { width, height } = header;
    const row = Math.ceil((width * 3) / 4) * 4;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = 54 + (height - 1 - y) * row + x * 3; // bottom-up rows
        data.set([bytes[s + 2] as number, bytes[s + 1] as number, bytes[s] as number], (y * width + x) * 3);
      }
    }
    return { width, height, channels: 3, data };
  },
};

/** Mean colour -> logits: green means Bean, red means Tomato, blue means no leaf; bright means healthy. */
const colourModel: ModelRunner = {
  async run(kinds, input) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let i = 0; i < input.length; i += 3) {
      r += input[i] as number;
      g += input[i + 1] as number;
      b += input[i + 2] as number;
    }
    const n = (input.length / 3) * 255;
    [r, g, b] = [r / n, g / n, b / n];
    const light = (r + g + b) / 3;
    const logits: Logits = {};
    if (kinds.includes('species')) logits.species = new Float32Array([10 * g, 10 * r, 10 * b]);
    if (kinds.includes('disease')) logits.disease = new Float32Array([10 * (1 - light), 10 * light, 10 * (1 - light), 10 * light]);
    return logits;
  },
};

const advice = new TextEncoder().encode(
  JSON.stringify({
    formatVersion: 1,
    entries: {
      Bean___healthy: {
        name: 'Healthy',
        summary: 'No disease seen.',
        symptoms: ['Green leaves.'],
        actions: ['Nothing to do.'],
        prevention: ['Keep it up.'],
        urgency: 'none',
        source: { name: 'Test' },
      },
    },
  }),
);
const pipeline = createPipeline({ manifest, files: new Map([['advice.json', advice]]) }, colourModel, bmpDecoder);

const GREEN_BRIGHT = bmp(40, 30, [120, 250, 130]);
const GREEN_DARK = bmp(40, 30, [0, 120, 0]);
const BLUE = bmp(20, 20, [0, 0, 255]);
const GREY = bmp(20, 20, [128, 128, 128]);

describe('createPipeline', () => {
  it('diagnoses a bright green photo as a healthy bean, with advice', async () => {
    const d = await pipeline.diagnose([GREEN_BRIGHT]);
    expect(d).toMatchObject({
      kind: 'diagnosis',
      crop: 'Bean',
      disease: 'Bean___healthy',
      photos: { total: 1, agreeing: 1 },
      bundleVersion: '0.0.1-fixture',
    });
    expect(d.advice?.actions).toEqual(['Nothing to do.']);
    expect(d.crops.map((c) => c.label).sort()).toEqual(['Background_without_leaves', 'Bean', 'Tomato']);
    expect(d.crops[0]?.label).toBe('Bean');
    expect(d.alternatives.map((a) => a.label).sort()).toEqual(['Bean___Angular_leaf_spot', 'Bean___healthy']);
  });
  it('says where the time went', async () => {
    const d = await pipeline.diagnose([GREEN_BRIGHT, GREEN_DARK]);
    const s = d.stagesMs as { decode: number; preprocess: number; models: number };
    for (const v of Object.values(s)) expect(v).toBeGreaterThanOrEqual(0);
    expect(s.decode + s.preprocess + s.models).toBeLessThanOrEqual(d.elapsedMs + 1e-6);
  });
  it('not a leaf for a blue photo', async () => {
    expect(await pipeline.diagnose([BLUE])).toMatchObject({ kind: 'not-sure', reason: 'not-a-leaf', alternatives: [] });
  });
  it('crop unclear for grey, unless the farmer chose the crop', async () => {
    expect(await pipeline.diagnose([GREY])).toMatchObject({ kind: 'not-sure', reason: 'crop-unclear' });
    const chosen = await pipeline.diagnose([GREY], { crop: 'Tomato' });
    expect(chosen).toMatchObject({ crop: 'Tomato', chosenCrop: 'Tomato' });
    expect(chosen.disease).toMatch(/^Tomato___/);
  });
  it('combines photos of one plant, leaves out the one without a leaf, counts agreement', async () => {
    const d = await pipeline.diagnose([GREEN_BRIGHT, GREEN_BRIGHT, GREEN_DARK, BLUE]);
    expect(d).toMatchObject({ crop: 'Bean', disease: 'Bean___healthy', photos: { total: 4, agreeing: 2 } });
    const alone = await pipeline.diagnose([GREEN_BRIGHT]);
    expect(d.probability).toBeLessThan(alone.probability as number);
  });
  it('a cancelled request stops with CANCELLED', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(pipeline.diagnose([GREEN_BRIGHT], { signal: ac.signal })).rejects.toMatchObject({ name: 'CANCELLED' });
  });
  it('a model with the wrong output width is MODEL_FAILED', async () => {
    const broken = createPipeline(
      { manifest, files: new Map() },
      { run: async (kinds) => Object.fromEntries(kinds.map((k) => [k, new Float32Array(2)])) },
      bmpDecoder,
    );
    await expect(broken.diagnose([GREEN_BRIGHT])).rejects.toMatchObject({ name: 'MODEL_FAILED' });
  });
  it('refuses more pixels than the decoder takes, and more bytes than the limit', async () => {
    await expect(pipeline.diagnose([bmp(1200, 1000, [0, 0, 0])])).rejects.toMatchObject({ name: 'IMAGE_TOO_LARGE' });
    const small = createPipeline({ manifest, files: new Map() }, colourModel, bmpDecoder, { maxBytes: 100 });
    await expect(small.diagnose([GREEN_BRIGHT])).rejects.toMatchObject({ name: 'IMAGE_TOO_LARGE' });
  });
  it.each([
    [
      'one shared graph',
      'leafnet.onnx',
      'leafnet.onnx',
      [
        ['species', 'disease'],
        ['species', 'disease'],
      ],
    ],
    ['two files', 'species.onnx', 'disease.onnx', [['species'], ['species'], ['disease']]],
  ])('runs the models once per photo with %s, the disease model only when needed', async (_, speciesFile, diseaseFile, expected) => {
    const m: BundleManifest = structuredClone(manifest);
    m.models.species.file = speciesFile;
    m.models.disease.file = diseaseFile;
    const calls: string[][] = [];
    const spy: ModelRunner = {
      run: (kinds, input, dims) => {
        calls.push([...kinds]);
        return colourModel.run(kinds, input, dims);
      },
    };
    const d = await createPipeline({ manifest: m, files: new Map([['advice.json', advice]]) }, spy, bmpDecoder).diagnose([
      GREEN_BRIGHT,
      BLUE,
    ]);
    expect(d).toMatchObject({ crop: 'Bean', disease: 'Bean___healthy', photos: { total: 2, agreeing: 1 } });
    expect(calls).toEqual(expected);
  });
  it('no photos is an error, not a crash', async () => {
    await expect(pipeline.diagnose([])).rejects.toMatchObject({ name: 'IMAGE_UNREADABLE' });
  });
});

describe('heatmap (class activation maps)', () => {
  // The fixture's disease model with maps: 4 labels, 2x2 cells; the map of label k is high in cell k.
  const withCam: BundleManifest = {
    ...manifest,
    models: { ...manifest.models, disease: { ...manifest.models.disease, cam: { name: 'disease_cam', height: 2, width: 2 } } },
  };
  const asked: boolean[] = [];
  const camModel: ModelRunner = {
    async run(kinds, input, dims, options) {
      asked.push(options?.cam === true);
      const logits = await colourModel.run(kinds, input, dims);
      if (options?.cam) {
        const maps = new Float32Array(16).fill(-1);
        for (let k = 0; k < 4; k++) maps[k * 4 + k] = 2 + k;
        logits.diseaseCam = { data: maps, dims: [1, 4, 2, 2] };
      }
      return logits;
    },
  };
  const files = new Map([['advice.json', advice]]);

  it('is computed only when asked: off, the runner is never asked for maps', async () => {
    asked.length = 0;
    const p = createPipeline({ manifest: withCam, files }, camModel, bmpDecoder);
    const off = await p.diagnose([GREEN_BRIGHT, GREEN_DARK]);
    expect(off.heatmap).toBeUndefined();
    expect(asked).toEqual([false, false]);
    asked.length = 0;
    const on = await p.diagnose([GREEN_BRIGHT, GREEN_DARK], { heatmap: true });
    expect(asked).toEqual([true, false]); // the first leaf photo only
    // The two photos together read as Bean___Angular_leaf_spot, label 0: the map shown is that label's (high in
    // cell 0), rectified (negative evidence shows as 0).
    expect(on.disease).toBe('Bean___Angular_leaf_spot');
    expect(on.heatmap).toEqual({ label: 'Bean___Angular_leaf_spot', width: 2, height: 2, values: [1, 0, 0, 0] });
    expect(on.disease).toBe(off.disease);
    const single = await p.diagnose([GREEN_BRIGHT], { heatmap: true });
    expect(single.heatmap).toEqual({ label: 'Bean___healthy', width: 2, height: 2, values: [0, 1, 0, 0] });
  });

  it('is absent for a bundle without maps and for a photo without a leaf', async () => {
    const plain = createPipeline({ manifest, files }, camModel, bmpDecoder);
    asked.length = 0;
    expect((await plain.diagnose([GREEN_BRIGHT], { heatmap: true })).heatmap).toBeUndefined();
    expect(asked).toEqual([false]);
    const p = createPipeline({ manifest: withCam, files }, camModel, bmpDecoder);
    expect((await p.diagnose([BLUE], { heatmap: true })).heatmap).toBeUndefined();
  });
});
