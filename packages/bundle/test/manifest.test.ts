import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateManifestTypes } from '../scripts/generate-types.ts';
import { canonicalJson } from '../src/canonical-json.ts';
import { BundleError } from '../src/errors.ts';
import { parseManifest } from '../src/manifest.ts';
import { FIXTURES } from './fixtures.ts';

const manifests = join(FIXTURES, 'manifests');
const cases = JSON.parse(readFileSync(join(manifests, 'cases.json'), 'utf8')) as { file: string; code: string; contains: string }[];

describe('manifest validation (shared fixtures, same as trainer/tests)', () => {
  it('accepts the valid fixture', () => {
    const m = parseManifest(readFileSync(join(manifests, 'valid.json'), 'utf8'));
    expect(m.models.disease.output.labels).toHaveLength(4);
  });

  it.each(cases)('rejects $file with $code', ({ file, code, contains }) => {
    const text = readFileSync(join(manifests, file), 'utf8');
    let caught: unknown;
    try {
      parseManifest(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BundleError);
    expect((caught as BundleError).code).toBe(code);
    expect((caught as BundleError).message).toContain(contains);
  });

  it('has a fixture for every invalid case the schema must catch', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });
});

describe('canonical JSON matches the shared vectors', () => {
  const vectors = JSON.parse(readFileSync(join(FIXTURES, 'canonical-json.json'), 'utf8')) as { input: unknown; canonical: string }[];
  it.each(vectors.map((v, i) => ({ ...v, i })))('vector $i', ({ input, canonical }) => {
    expect(canonicalJson(input)).toBe(canonical);
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/NaN/);
  });
});

describe('generated types', () => {
  it('src/manifest.types.ts is up to date with the schema', async () => {
    const committed = readFileSync(new URL('../src/manifest.types.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateManifestTypes());
  });
});
