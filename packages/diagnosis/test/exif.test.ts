import { describe, expect, it } from 'vitest';
import { readExifOrientation } from '../src/exif.ts';
import { fakeJpeg } from './bytes.ts';

describe('readExifOrientation', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('reads orientation %i (big-endian TIFF)', (o) => {
    expect(readExifOrientation(fakeJpeg({ width: 4, height: 2, orientation: o }))).toBe(o);
  });
  it.each([3, 6, 8])('reads orientation %i (little-endian TIFF)', (o) => {
    expect(readExifOrientation(fakeJpeg({ width: 4, height: 2, orientation: o, littleEndian: true }))).toBe(o);
  });
  it('is 1 without EXIF, for non-JPEG and for garbage', () => {
    expect(readExifOrientation(fakeJpeg({ width: 4, height: 2 }))).toBe(1);
    expect(readExifOrientation(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe(1);
    expect(readExifOrientation(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01]))).toBe(1);
  });
  it('ignores an out-of-range value', () => {
    expect(readExifOrientation(fakeJpeg({ width: 4, height: 2, orientation: 9 }))).toBe(1);
  });
});
