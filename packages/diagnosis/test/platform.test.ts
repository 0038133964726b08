import { describe, expect, it } from 'vitest';
import { jpegDecodeScale } from '../src/platform.ts';

describe('jpegDecodeScale', () => {
  it('shrinks by the largest of 2, 4, 8 that keeps the short side at or above the minimum', () => {
    expect(jpegDecodeScale(12000, 9000, 320)).toBe(8);
    expect(jpegDecodeScale(4000, 3000, 320)).toBe(8);
    expect(jpegDecodeScale(1280, 960, 320)).toBe(2);
    expect(jpegDecodeScale(1280, 1280, 320)).toBe(4);
  });
  it('never shrinks a photo already near the model size (the training photos: 256 and 384 px)', () => {
    expect(jpegDecodeScale(256, 256, 320)).toBe(1);
    expect(jpegDecodeScale(384, 384, 320)).toBe(1);
    expect(jpegDecodeScale(639, 4000, 320)).toBe(1);
  });
});
