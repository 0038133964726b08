import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BundleError } from '../src/errors.ts';
import type { BundleManifest } from '../src/manifest.types.ts';
import type { ClassNames } from '../src/names.types.ts';
import { dirSource, writeSignedBundle } from '../src/node.ts';
import { generateKeyPair } from '../src/signature.ts';
import { verifyBundle } from '../src/verify.ts';
import { copyOfBundle, FIXTURES, failure, fixtureKey } from './fixtures.ts';

function flipByte(path: string, offset: number, mask = 0xff): void {
  const data = readFileSync(path);
  data[offset] = (data[offset] as number) ^ mask;
  writeFileSync(path, data);
}

describe('cross-language signatures', () => {
  it('verifies the bundle signed by Python', async () => {
    const v = await verifyBundle(dirSource(join(FIXTURES, 'signed-by-python')), [fixtureKey('signed-by-python')]);
    expect(v.signedBy.keyId).toBe(fixtureKey('signed-by-python').keyId);
    // One graph with a shared backbone and two outputs, read once.
    expect([...v.files.keys()].sort()).toEqual(['advice.json', 'leafnet.onnx', 'manifest.json', 'model-card.md']);
  });

  it('verifies the bundle signed by TypeScript', async () => {
    const v = await verifyBundle(dirSource(join(FIXTURES, 'signed-by-ts')), [fixtureKey('signed-by-ts')]);
    expect(v.manifest.bundleVersion).toBe('0.0.2-ts-fixture');
  });

  it('refuses a bundle signed by a key it does not trust', async () => {
    const err = await failure(join(FIXTURES, 'signed-by-ts'));
    expect(err.code).toBe('UNTRUSTED_KEY');
  });
});

describe('tampering', () => {
  // The Python fixture has one shared graph; the TypeScript one has a file per model.
  const files = [
    ['signed-by-python', 'leafnet.onnx'],
    ['signed-by-python', 'advice.json'],
    ['signed-by-python', 'model-card.md'],
    ['signed-by-ts', 'species.onnx'],
    ['signed-by-ts', 'disease.onnx'],
  ] as const;

  it.each(files)('a flipped byte anywhere in %s/%s names that file', async (bundle, name) => {
    const dir = copyOfBundle(bundle);
    const size = readFileSync(join(dir, name)).byteLength;
    const offsets = [0, 1, Math.floor(size / 3), Math.floor(size / 2), size - 2, size - 1];
    for (const offset of offsets) {
      flipByte(join(dir, name), offset);
      const err = await failure(dir, [fixtureKey(bundle)]);
      expect(err.code).toBe('FILE_HASH_MISMATCH');
      expect(err.file).toBe(name);
      expect(err.message).toContain(name);
      flipByte(join(dir, name), offset); // restore
    }
    rmSync(dir, { recursive: true });
  });

  it('a flipped byte at any offset of manifest.json is caught and names the manifest', async () => {
    const dir = copyOfBundle('signed-by-python');
    const path = join(dir, 'manifest.json');
    const size = readFileSync(path).byteLength;
    const codes = new Set<string>();
    // Two kinds of flip: a low bit (stays ASCII, so the JSON usually still parses) and all bits.
    for (const mask of [0x01, 0xff]) {
      for (let offset = 0; offset < size; offset++) {
        flipByte(path, offset, mask);
        const err = await failure(dir);
        expect(err.file, `offset ${offset} mask ${mask}`).toBe('manifest.json');
        expect(err.message).toContain('manifest.json');
        codes.add(err.code);
        flipByte(path, offset, mask);
      }
    }
    expect(codes).toContain('SIGNATURE_INVALID');
    expect(codes).toContain('MANIFEST_SCHEMA');
    rmSync(dir, { recursive: true });
  }, 120_000);

  it('a half-downloaded model gives a size mismatch naming the file', async () => {
    const dir = copyOfBundle('signed-by-python');
    const data = readFileSync(join(dir, 'leafnet.onnx'));
    writeFileSync(join(dir, 'leafnet.onnx'), data.subarray(0, data.byteLength >> 1));
    const err = await failure(dir);
    expect(err.code).toBe('FILE_SIZE_MISMATCH');
    expect(err.message).toMatch(/^leafnet\.onnx is \d+ bytes but the manifest says \d+/);
  });

  it('a missing file and a missing manifest are named', async () => {
    const dir = copyOfBundle('signed-by-python');
    rmSync(join(dir, 'advice.json'));
    expect((await failure(dir)).message).toBe('advice.json is missing from the bundle');
    rmSync(join(dir, 'manifest.json'));
    expect((await failure(dir)).code).toBe('MANIFEST_MISSING');
  });

  it('an unsigned manifest is refused', async () => {
    const dir = copyOfBundle('signed-by-python');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    delete m.signature;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    expect((await failure(dir)).code).toBe('SIGNATURE_MISSING');
  });

  /** The Python fixture with its manifest changed and signed again, so only the change can fail. */
  async function resignedFailure(change: (m: BundleManifest) => void): Promise<BundleError> {
    const dir = copyOfBundle('signed-by-python');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    change(m);
    const key = generateKeyPair();
    await writeSignedBundle(dir, m, key.privateKeyHex);
    return failure(dir, [key]);
  }

  it('a label count that does not match the model output is refused', async () => {
    const err = await resignedFailure((m) => {
      m.models.species.output.name = 'disease_logits'; // 4 outputs, 3 species labels
      m.models.disease.output.name = 'species_logits';
    });
    expect(err.code).toBe('LABEL_COUNT_MISMATCH');
    expect(err.message).toBe('leafnet.onnx: the species model outputs 4 classes but the manifest lists 3 labels');
  });

  it('an output the shared graph does not have is refused, naming it', async () => {
    const err = await resignedFailure((m) => {
      m.models.disease.output.name = 'logits';
    });
    expect(err.code).toBe('MODEL_UNREADABLE');
    expect(err.message).toBe('leafnet.onnx has no output named "logits"');
  });
});

describe('advice', () => {
  it('a signed bundle whose advice misses a class is refused, naming the class', async () => {
    const dir = copyOfBundle('signed-by-python');
    const advice = JSON.parse(readFileSync(join(dir, 'advice.json'), 'utf8'));
    delete advice.entries.Tomato___Late_blight;
    writeFileSync(join(dir, 'advice.json'), JSON.stringify(advice));
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const key = generateKeyPair();
    await writeSignedBundle(dir, m, key.privateKeyHex);
    const err = await failure(dir, [key]);
    expect(err.code).toBe('ADVICE_INVALID');
    expect(err.file).toBe('advice.json');
    expect(err.message).toContain('Tomato___Late_blight');
  });
});

describe('content (names.json, advice.<lang>.json)', () => {
  /** The Python fixture plus content files taken from packages/bundle/content, listed in the manifest and signed again. */
  async function withContent(edit: (names: ClassNames) => void) {
    const dir = copyOfBundle('signed-by-python');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
    const names = JSON.parse(readFileSync(join(FIXTURES, '../content/names.json'), 'utf8')) as ClassNames;
    edit(names);
    writeFileSync(join(dir, 'names.json'), JSON.stringify(names));
    m.files['names.json'] = { sha256: '', bytes: 0 };
    const key = generateKeyPair();
    await writeSignedBundle(dir, m, key.privateKeyHex);
    return { dir, key };
  }

  it('a signed bundle with names for all its classes hands them to the app', async () => {
    const { dir, key } = await withContent(() => {});
    const v = await verifyBundle(dirSource(dir), [key]);
    expect(v.content.names?.classes.Tomato___Late_blight?.names.sw).toBeTruthy();
  });

  it('a signed bundle whose names.json misses a language for a class is refused, naming both', async () => {
    const { dir, key } = await withContent((names) => {
      const late = names.classes.Tomato___Late_blight?.names as Record<string, string>;
      delete late.sw;
      delete late.hi;
    });
    const err = await failure(dir, [key]);
    expect(err.code).toBe('CONTENT_INVALID');
    expect(err.file).toBe('names.json');
    expect(err.message).toBe('names.json has no name for: class Tomato___Late_blight (sw, hi)');
  });
});
