import { describe, expect, it } from 'vitest';
import { toRgb } from '../src/image.ts';

describe('toRgb', () => {
  it('composites RGBA on white', () => {
    const out = toRgb({ width: 3, height: 1, channels: 4, data: new Uint8Array([10, 20, 30, 255, 10, 20, 30, 0, 0, 0, 0, 128]) });
    expect(Array.from(out.data)).toEqual([10, 20, 30, 255, 255, 255, 127, 127, 127]);
  });
  it('replicates grey and grey+alpha', () => {
    expect(Array.from(toRgb({ width: 1, height: 1, channels: 1, data: new Uint8Array([77]) }).data)).toEqual([77, 77, 77]);
    expect(Array.from(toRgb({ width: 1, height: 1, channels: 2, data: new Uint8Array([0, 0]) }).data)).toEqual([255, 255, 255]);
  });
  it('refuses a buffer shorter than its size says', () => {
    expect(() => toRgb({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).toThrow(/inconsistent/);
  });
});
