import type { BundleManifest } from '@leafcheck/bundle';
import { describe, expect, it } from 'vitest';
import { createModelRunner, type GraphSession } from '../src/model-runner.ts';

function manifestWith(speciesFile: string, diseaseFile: string): BundleManifest {
  const model = (file: string, output: string) => ({ file, input: { name: 'image' }, output: { name: output } });
  return {
    models: {
      species: model(speciesFile, speciesFile === diseaseFile ? 'species_logits' : 'logits'),
      disease: model(diseaseFile, speciesFile === diseaseFile ? 'disease_logits' : 'logits'),
    },
  } as unknown as BundleManifest;
}

/** Sessions that record each run and answer every output with [file index, output index]. */
function recordingSessions(runs: { file: string; outputs: readonly string[]; input?: string; fed?: readonly number[] }[]) {
  let opened = 0;
  return async (_bytes: Uint8Array, file: string): Promise<GraphSession> => {
    const index = opened++;
    return {
      async run(input, feed, outputNames) {
        runs.push({ file, outputs: outputNames, input, fed: [...feed.data] });
        return Object.fromEntries(outputNames.map((n, i) => [n, { data: new Float32Array([index, i]), dims: [1, 2] }]));
      },
      release: async () => undefined,
    };
  };
}

const files = new Map(['leafnet.onnx', 'species.onnx', 'disease.onnx'].map((f) => [f, new Uint8Array([1])]));
const DIMS = [1, 2, 2, 3] as const;

describe('createModelRunner', () => {
  it('runs a shared graph once for both models and opens it once', async () => {
    const runs: { file: string; outputs: readonly string[] }[] = [];
    const runner = await createModelRunner({ manifest: manifestWith('leafnet.onnx', 'leafnet.onnx'), files }, recordingSessions(runs));
    const logits = await runner.run(['species', 'disease'], new Uint8Array(12), DIMS);
    expect(runs.map(({ file, outputs }) => ({ file, outputs }))).toEqual([
      { file: 'leafnet.onnx', outputs: ['species_logits', 'disease_logits'] },
    ]);
    expect(Array.from(logits.species ?? [])).toEqual([0, 0]);
    expect(Array.from(logits.disease ?? [])).toEqual([0, 1]);
  });

  it('runs only the file a model lives in when each model has its own', async () => {
    const runs: { file: string; outputs: readonly string[] }[] = [];
    const runner = await createModelRunner({ manifest: manifestWith('species.onnx', 'disease.onnx'), files }, recordingSessions(runs));
    const logits = await runner.run(['disease'], new Uint8Array(12), DIMS);
    expect(runs.map(({ file, outputs }) => ({ file, outputs }))).toEqual([{ file: 'disease.onnx', outputs: ['logits'] }]);
    expect(Object.keys(logits)).toEqual(['disease']);
    expect(Array.from(logits.disease ?? [])).toEqual([1, 0]);
  });

  it('names the file when a session does not return an output', async () => {
    const runner = await createModelRunner({ manifest: manifestWith('leafnet.onnx', 'leafnet.onnx'), files }, async () => ({
      run: async () => ({ species_logits: { data: new Float32Array(2), dims: [1, 2] } }),
      release: async () => undefined,
    }));
    await expect(runner.run(['species', 'disease'], new Uint8Array(12), DIMS)).rejects.toThrow(
      'leafnet.onnx gave no output "disease_logits" for the disease model',
    );
  });

  it('chains a backbone into the heads file: the backbone runs once and its feature map feeds the heads', async () => {
    const runs: { file: string; outputs: readonly string[]; input?: string; fed?: readonly number[] }[] = [];
    const manifest = manifestWith('heads-1.onnx', 'heads-1.onnx') as unknown as { models: Record<string, unknown> };
    manifest.models.backbone = { file: 'backbone-1.onnx', input: { name: 'image' }, output: { name: 'features' } };
    const chained = new Map([...files, ['heads-1.onnx', new Uint8Array([1])], ['backbone-1.onnx', new Uint8Array([1])]]);
    const runner = await createModelRunner({ manifest: manifest as unknown as BundleManifest, files: chained }, recordingSessions(runs));
    const logits = await runner.run(['species', 'disease'], new Uint8Array(12).fill(7), DIMS);
    // Opened first, the backbone is session 0 and answers "features" with [0, 0]; the heads (session 1) read exactly that.
    expect(runs.map(({ file, input, outputs }) => ({ file, input, outputs }))).toEqual([
      { file: 'backbone-1.onnx', input: 'image', outputs: ['features'] },
      { file: 'heads-1.onnx', input: 'features', outputs: ['species_logits', 'disease_logits'] },
    ]);
    expect(runs[0]?.fed).toEqual(Array(12).fill(7));
    expect(runs[1]?.fed).toEqual([0, 0]);
    expect(Array.from(logits.disease ?? [])).toEqual([1, 1]);
  });

  it('refuses a bundle whose model file is missing', async () => {
    await expect(createModelRunner({ manifest: manifestWith('x.onnx', 'x.onnx'), files }, recordingSessions([]))).rejects.toThrow(
      'x.onnx is missing from the verified bundle',
    );
  });
});
