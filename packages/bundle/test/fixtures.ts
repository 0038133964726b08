import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrustedKey } from '../src/signature.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureKey(name: 'signed-by-python' | 'signed-by-ts'): TrustedKey {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.key.json`), 'utf8')) as TrustedKey;
}

/** A private copy of a fixture bundle that a test may damage. */
export function copyOfBundle(name: 'signed-by-python' | 'signed-by-ts'): string {
  const dir = mkdtempSync(join(tmpdir(), 'leafcheck-bundle-'));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}
