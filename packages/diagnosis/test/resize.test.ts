import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../src/image.ts';
import { centerCropResize, centerSquare } from '../src/resize.ts';

interface Golden {
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
  input: string;
  output: string;
}
// Made by make-resize-golden.py with Pillow, the trainer's image library.
const golden: Golden[] = JSON.parse(readFileSync(new URL('./resize-golden.json', import.meta.url), 'utf8'));
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

describe('centerSquare', () => {
  it('takes the short side, centred', () => {
    expect(centerSquare(400, 300)).toEqual({ left: 50, top: 0, side: 300 });
    expect(centerSquare(300, 401)).toEqual({ left: 0, top: 50, side: 300 });
  });
});

describe('centerCropResize', () => {
  it.each(golden.map((g) => [`${g.width}x${g.height} -> ${g.outWidth}x${g.outHeight}`, g] as const))(
    "matches Pillow crop + BILINEAR (the trainer's preprocessing) within 1 level: %s",
    (_, g) => {
      const img: RgbImage = { width: g.width, height: g.height, data: b64(g.input) };
      const out = centerCropResize(img, g.outWidth, g.outHeight);
      const want = b64(g.output);
      expect(out.data.length).toBe(want.length);
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs((out.data[i] as number) - (want[i] as number)));
      // Same fixed-point arithmetic as Pillow: byte-identical.
      expect(maxDiff).toBe(0);
    },
  );
  it('keeps a flat colour flat', () => {
    const img = { width: 50, height: 30, data: new Uint8Array(50 * 30 * 3).fill(123) };
    expect(new Set(centerCropResize(img, 7, 7).data)).toEqual(new Set([123]));
  });
  it('reads only the centre square: the sides do not leak in', () => {
    // 30x10: left and right 10 columns black, centre 10 columns white.
    const data = new Uint8Array(30 * 10 * 3);
    for (let y = 0; y < 10; y++) for (let x = 10; x < 20; x++) data.fill(255, (y * 30 + x) * 3, (y * 30 + x) * 3 + 3);
    const out = centerCropResize({ width: 30, height: 10, data }, 5, 5);
    expect(new Set(out.data)).toEqual(new Set([255]));
  });
});
