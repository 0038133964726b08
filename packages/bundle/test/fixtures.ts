import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { BundleError } from '../src/errors.ts';
import { dirSource } from '../src/node.ts';
import type { TrustedKey } from '../src/signature.ts';
import { verifyBundle } from '../src/verify.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureKey(name: 'signed-by-python' | 'signed-by-ts'): TrustedKey {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.key.json`), 'utf8')) as TrustedKey;
}

const copies: string[] = [];
// Registered when a test file imports this module, so it runs after that file's tests.
afterAll(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A private copy of a fixture bundle that a test may damage (removed after the test file). */
export function copyOfBundle(name: 'signed-by-python' | 'signed-by-python-chained' | 'signed-by-ts'): string {
  const dir = mkdtempSync(join(tmpdir(), 'leafcheck-bundle-'));
  copies.push(dir);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** The BundleError verifying `dir` gives (by default against the Python fixture's key); fails the test if it passes. */
export async function failure(dir: string, keys = [fixtureKey('signed-by-python')]): Promise<BundleError> {
  try {
    await verifyBundle(dirSource(dir), keys);
  } catch (err) {
    if (err instanceof BundleError) return err;
    throw err;
  }
  throw new Error('verification unexpectedly passed');
}
