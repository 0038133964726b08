import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BundleManifest } from '../src/manifest.types.ts';
import { modelGraphs } from '../src/model-graphs.ts';
import { dirSource, writeChainedBundle } from '../src/node.ts';
import { generateKeyPair } from '../src/signature.ts';
import { verifyBundle } from '../src/verify.ts';
import { copyOfBundle, FIXTURES, failure, fixtureKey } from './fixtures.ts';

const CHAINED = join(FIXTURES, 'signed-by-python-chained');
const tiny = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, 'tiny-models', name)));
const chainedManifest = () => JSON.parse(readFileSync(join(CHAINED, 'manifest.json'), 'utf8')) as BundleManifest;

/** The chained fixture re-signed by a throwaway key with other backbone / heads bytes. */
async function rechained(models: { backbone: Uint8Array; heads: Uint8Array }, edit: (m: BundleManifest) => void = () => undefined) {
  const dir = copyOfBundle('signed-by-python-chained');
  const key = generateKeyPair();
  const manifest = chainedManifest();
  edit(manifest);
  await writeChainedBundle(dir, manifest, models, key.privateKeyHex);
  return { dir, keys: [{ keyId: key.keyId, publicKeyHex: key.publicKeyHex }] };
}

describe('the chained layout (backbone file + heads file)', () => {
  it('verifies the Python-signed chained bundle: both files, content-addressed', async () => {
    const v = await verifyBundle(dirSource(CHAINED), [fixtureKey('signed-by-python')]);
    const { backbone, species, disease } = v.manifest.models;
    expect(backbone?.file).toMatch(new RegExp(`^backbone-${backbone?.sha256.slice(0, 16)}\\.onnx$`));
    expect(species.file).toBe(disease.file);
    expect(species.file).toMatch(new RegExp(`^heads-${species.sha256.slice(0, 16)}\\.onnx$`));
    expect([...v.files.keys()].sort()).toEqual(['advice.json', backbone?.file, 'manifest.json', 'model-card.md', species.file].sort());
    expect(modelGraphs(v.manifest)).toEqual([
      { file: species.file, inputName: 'features', readsBackbone: true, outputs: { species: 'species_logits', disease: 'disease_logits' } },
    ]);
  });

  it('names the backbone file when a byte of it is flipped', async () => {
    const dir = copyOfBundle('signed-by-python-chained');
    const file = chainedManifest().models.backbone?.file as string;
    const data = readFileSync(join(dir, file));
    const middle = data.length >> 1;
    data[middle] = (data[middle] as number) ^ 0xff;
    writeFileSync(join(dir, file), data);
    const err = await failure(dir);
    expect([err.code, err.file]).toEqual(['FILE_HASH_MISMATCH', file]);
  });

  it('a TypeScript-written chained bundle with a retrained heads file verifies; only the heads file is new', async () => {
    const { dir, keys } = await rechained({ backbone: tiny('backbone.onnx'), heads: tiny('heads-retrained.onnx') });
    const v = await verifyBundle(dirSource(dir), keys);
    const before = chainedManifest().models;
    expect(v.manifest.models.backbone?.file).toBe(before.backbone?.file);
    expect(v.manifest.models.species.file).not.toBe(before.species.file);
  });

  it('refuses a heads file that does not read the backbone output', async () => {
    const { dir, keys } = await rechained({ backbone: tiny('backbone.onnx'), heads: tiny('leafnet.onnx') });
    const err = await failure(dir, keys);
    expect(err.code).toBe('LAYOUT_INVALID');
    expect(err.message).toContain(`does not read the backbone's output "features" (its inputs: image)`);
  });

  it('refuses a backbone without the output the manifest names', async () => {
    const { dir, keys } = await rechained({ backbone: tiny('backbone.onnx'), heads: tiny('heads.onnx') }, (m) => {
      (m.models.backbone as { output: { name: string } }).output.name = 'feats';
    });
    const err = await failure(dir, keys);
    expect(err.code).toBe('MODEL_UNREADABLE');
    expect(err.message).toMatch(/backbone-[0-9a-f]{16}\.onnx has no output named "feats"/);
  });
});
