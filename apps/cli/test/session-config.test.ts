// ORT_SESSION_CONFIG on onnxruntime-node: the int8 weights of the shipped 'weights' graph are folded to float once,
// when the session opens, instead of being dequantized on every run (bench/inference/README.md, "Folding").
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeRunner, DEFAULT_BUNDLE_DIR, loadBundle } from '../src/node-platform.ts';

const work = mkdtempSync(join(tmpdir(), 'leafcheck-session-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The graph onnxruntime actually runs, as it saves it after its optimisations; op types are plain strings in it. */
async function optimisedGraph(name: string, extraSession?: Record<string, unknown>): Promise<Buffer> {
  const bundle = await loadBundle(DEFAULT_BUNDLE_DIR);
  const optimizedModelFilePath = join(work, `${name}.onnx`);
  const options = { optimizedModelFilePath, ...(extraSession ? { extra: { session: extraSession } } : {}) };
  const runner = await createNodeRunner(bundle, options);
  const { height, width } = bundle.manifest.models.species.input;
  await runner.run(['species', 'disease'], new Uint8Array(height * width * 3), [1, height, width, 3]);
  await runner.release();
  return readFileSync(optimizedModelFilePath);
}

describe.skipIf(!existsSync(DEFAULT_BUNDLE_DIR))('int8 weights folded at load (default bundle)', () => {
  it('the shipped graph has DequantizeLinear nodes; the runner runs none of them, onnxruntime by default keeps them', async () => {
    const manifest = JSON.parse(readFileSync(join(DEFAULT_BUNDLE_DIR, 'manifest.json'), 'utf8'));
    const shipped = readFileSync(join(DEFAULT_BUNDLE_DIR, manifest.models.disease.file));
    expect(shipped.includes('DequantizeLinear')).toBe(true);
    const folded = await optimisedGraph('folded');
    expect(folded.includes('DequantizeLinear')).toBe(false);
    // Larger: the weights are stored as float now (the cost of folding is memory, about 4x the int8 weights).
    expect(folded.byteLength).toBeGreaterThan(2 * shipped.byteLength);
    const perRun = await optimisedGraph('per-run', { disable_quant_qdq: '0' });
    expect(perRun.includes('DequantizeLinear')).toBe(true);
  }, 60_000);
});
