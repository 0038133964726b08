// The bundle content checks against the fixture cases the trainer's tests read too (trainer/tests/test_bundle_content.py):
// the same files pass or fail with the same message on both sides.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAdviceTranslationTypes, generateNamesTypes } from '../scripts/generate-types.ts';
import { BundleError, type BundleManifest, checkContent } from '../src/index.ts';

interface Case {
  name: string;
  file: string;
  json?: unknown;
  text?: string;
  error?: string | null;
  errorPrefix?: string;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/content-cases.json'), 'utf8')) as {
  manifest: BundleManifest;
  cases: Case[];
};

function bytesOf(c: Case): Uint8Array {
  return new TextEncoder().encode(c.text ?? JSON.stringify(c.json));
}

describe('bundle content cases (shared with the trainer)', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const files = new Map([[c.file, bytesOf(c)]]);
    if (c.error === null) {
      const content = checkContent(fixture.manifest, files);
      if (c.file === 'names.json') expect(content.names).toEqual(c.json);
      else expect(Object.values(content.adviceTranslations)).toEqual([c.json]);
      return;
    }
    let error: unknown;
    try {
      checkContent(fixture.manifest, files);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).code).toBe('CONTENT_INVALID');
    expect((error as BundleError).file).toBe(c.file);
    if (c.errorPrefix) expect((error as BundleError).message.startsWith(c.errorPrefix), (error as Error).message).toBe(true);
    else expect((error as BundleError).message).toBe(c.error);
  });

  it('a bundle without content files has none (1.x and 2.0.0 bundles)', () => {
    expect(checkContent(fixture.manifest, new Map([['advice.json', new Uint8Array()]]))).toEqual({ names: null, adviceTranslations: {} });
  });
});

describe('generated content types', () => {
  it.each([
    ['names.types.ts', generateNamesTypes],
    ['advice-translation.types.ts', generateAdviceTranslationTypes],
  ] as const)('src/%s is up to date with its schema', async (file, generate) => {
    expect(readFileSync(join(import.meta.dirname, '../src', file), 'utf8')).toBe(await generate());
  });
});
