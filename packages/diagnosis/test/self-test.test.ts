import { readFileSync } from 'node:fs';
import { sha256HexSync } from '@leafcheck/bundle';
import { describe, expect, it } from 'vitest';
import { selfTestImage } from '../src/self-test.ts';

const vectors = JSON.parse(readFileSync(new URL('../../bundle/fixtures/self-test-images.json', import.meta.url), 'utf8')) as {
  size: number;
  sha256: string[];
};

describe('self-test images', () => {
  it('are byte for byte the images trainer/bundle/self_test.py makes (its hashes, written by make_fixtures)', () => {
    expect(vectors.sha256.map((_, i) => sha256HexSync(selfTestImage(i, vectors.size, vectors.size)))).toEqual(vectors.sha256);
  });
  it('differ from each other', () => {
    expect(new Set(vectors.sha256).size).toBe(3);
  });
});
