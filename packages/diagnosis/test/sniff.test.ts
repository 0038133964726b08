import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../src/sniff.ts';
import { fakeHeic, fakeJpeg, fakePng } from './bytes.ts';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).name;
  }
  return 'no error';
};

describe('readImageHeader', () => {
  it('reads JPEG size from the frame header', () => {
    expect(readImageHeader(fakeJpeg({ width: 4000, height: 3000, orientation: 6 }))).toEqual({ format: 'jpeg', width: 4000, height: 3000 });
  });
  it('reads a 12000x9000 JPEG size without decoding it', () => {
    expect(readImageHeader(fakeJpeg({ width: 12000, height: 9000 }))).toMatchObject({ width: 12000, height: 9000 });
  });
  it('reads PNG size from IHDR', () => {
    expect(readImageHeader(fakePng(640, 480))).toEqual({ format: 'png', width: 640, height: 480 });
  });
  it('refuses a 0-byte file', () => {
    expect(code(() => readImageHeader(new Uint8Array()))).toBe('IMAGE_UNREADABLE');
  });
  it('refuses a non-image', () => {
    expect(code(() => readImageHeader(new TextEncoder().encode('%PDF-1.7 not a photo')))).toBe('IMAGE_NOT_A_PHOTO');
  });
  it('refuses a JPEG cut off before its end marker', () => {
    expect(code(() => readImageHeader(fakeJpeg({ width: 10, height: 10, eoi: false })))).toBe('IMAGE_UNREADABLE');
    const whole = fakeJpeg({ width: 10, height: 10 });
    expect(code(() => readImageHeader(whole.subarray(0, 30)))).toBe('IMAGE_UNREADABLE');
  });
  it('refuses a PNG cut off before IEND', () => {
    expect(code(() => readImageHeader(fakePng(10, 10, { iend: false })))).toBe('IMAGE_UNREADABLE');
  });
  it.each(['heic', 'heix', 'mif1', 'avif'])('says HEIF brand %s is unsupported, with convert-to-JPEG advice', (brand) => {
    try {
      readImageHeader(fakeHeic(brand));
      expect.unreachable();
    } catch (e) {
      expect((e as Error).name).toBe('IMAGE_UNSUPPORTED');
      expect((e as { advice?: string }).advice).toMatch(/JPEG/);
    }
  });
});
