// Each kind of bad input through the real Node pipeline (sharp + onnxruntime-node, fixture bundle).
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeHeic, fakeJpeg } from '../../../packages/diagnosis/test/bytes.ts';
import { sharpDecoder } from '../src/node-platform.ts';
import { hugeJpeg, jpeg, pngWithAlpha, sidewaysPhonePhoto, twoTone } from './images.ts';
import { fixturePipeline } from './setup.ts';

type P = Awaited<ReturnType<typeof fixturePipeline>>['pipeline'];
let pipeline: P;
beforeAll(async () => {
  ({ pipeline } = await fixturePipeline());
});

const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
async function errorOf(bytes: Uint8Array) {
  try {
    await pipeline.diagnose([bytes]);
  } catch (e) {
    return e as Error & { advice?: string };
  }
  throw new Error('expected an error');
}
const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0) / a.length;

describe('bad input, Node path', () => {
  it("BMP: IMAGE_UNSUPPORTED in plain words, not the decoder's", async () => {
    const bmp = new Uint8Array(58);
    bmp.set([0x42, 0x4d]); // "BM"
    new DataView(bmp.buffer).setInt32(18, 40, true);
    new DataView(bmp.buffer).setInt32(22, 40, true);
    const error = await errorOf(bmp);
    expect(error.name).toBe('IMAGE_UNSUPPORTED');
    expect(error.message).toBe('BMP images cannot be read here');
    expect(error.advice).toMatch(/save it as JPEG/);
  });
  it('0-byte file: IMAGE_UNREADABLE', async () => {
    expect((await errorOf(new Uint8Array())).name).toBe('IMAGE_UNREADABLE');
  });
  it('non-image: IMAGE_NOT_A_PHOTO', async () => {
    expect((await errorOf(new TextEncoder().encode('<html>not a photo</html>'))).name).toBe('IMAGE_NOT_A_PHOTO');
  });
  it('truncated JPEG: IMAGE_UNREADABLE', async () => {
    const whole = await jpeg(await twoTone(120, 90));
    const e = await errorOf(u8(whole.subarray(0, Math.floor(whole.length * 0.6))));
    expect(e.name).toBe('IMAGE_UNREADABLE');
    expect(e.message).toMatch(/incomplete/);
  });
  it('JPEG with garbage image data but intact markers: a result or IMAGE_UNREADABLE, never a crash', async () => {
    const whole = new Uint8Array(await jpeg(await twoTone(120, 90)));
    const sos = whole.findIndex((v, i) => v === 0xff && whole[i + 1] === 0xda);
    for (let i = sos + 20; i < whole.length - 2; i += 7) whole[i] = whole[i] === 0xff ? 0 : (whole[i] as number) ^ 0x5a;
    const outcome = await pipeline.diagnose([whole]).then(
      (d) => d.kind,
      (e: Error) => e.name,
    );
    expect(['diagnosis', 'not-sure', 'IMAGE_UNREADABLE']).toContain(outcome);
  });
  it('HEIC: IMAGE_UNSUPPORTED with convert-to-JPEG advice', async () => {
    const e = await errorOf(fakeHeic('heic'));
    expect(e.name).toBe('IMAGE_UNSUPPORTED');
    expect(e.advice).toMatch(/JPEG/);
  });
  it('PNG with alpha: composited on white', async () => {
    const clear = await pipeline.prepare(u8(await pngWithAlpha(40, 40, 0)));
    expect(new Set(clear.species.data)).toEqual(new Set([255]));
    const opaque = await pipeline.prepare(u8(await pngWithAlpha(40, 40, 255)));
    expect(Array.from(opaque.species.data.subarray(0, 3))).toEqual([200, 0, 0]);
    expect((await pipeline.diagnose([u8(await pngWithAlpha(40, 40, 128))])).kind).toMatch(/diagnosis|not-sure/);
  });
  it('12000x9000 photo: decoded at 1/8 while decoding, then diagnosed', async () => {
    const big = u8(await hugeJpeg(12000, 9000));
    const raw = await sharpDecoder.decode(big, { header: { format: 'jpeg', width: 12000, height: 9000 }, minShortSide: 64 });
    expect([raw.width, raw.height]).toEqual([1500, 1125]);
    const d = await pipeline.diagnose([big]);
    expect(d.bundleVersion).toBe('0.0.1-fixture');
  }, 60_000);
  it('a photo over the pixel limit is refused from its header, before decoding', async () => {
    const e = await errorOf(fakeJpeg({ width: 16000, height: 12000 }));
    expect(e.name).toBe('IMAGE_TOO_LARGE');
  });
  it('greyscale JPEG: R = G = B', async () => {
    const t = await pipeline.prepare(u8(await jpeg(await twoTone(64, 64), { grey: true })));
    for (let i = 0; i < t.species.data.length; i += 3) {
      expect(t.species.data[i]).toBe(t.species.data[i + 1]);
      expect(t.species.data[i]).toBe(t.species.data[i + 2]);
    }
  });
  it('CMYK JPEG: converted to RGB close to the original', async () => {
    const png = await twoTone(64, 64);
    const rgb = await pipeline.prepare(u8(await jpeg(png)));
    const cmyk = await pipeline.prepare(u8(await jpeg(png, { cmyk: true })));
    expect(meanAbsDiff(rgb.species.data, cmyk.species.data)).toBeLessThan(15); // CMYK's smaller gamut costs ~10 levels
  });
  it('rotated phone photo: turned upright by its EXIF orientation', async () => {
    const upright = await twoTone(48, 64);
    const a = await pipeline.prepare(u8(await jpeg(upright)));
    const b = await pipeline.prepare(u8(await sidewaysPhonePhoto(upright)));
    expect(meanAbsDiff(a.species.data, b.species.data)).toBeLessThan(3);
    // And ignoring the tag would put the halves sideways: a large difference.
    const ignored = await pipeline.prepare(u8(await jpeg(await (await import('sharp')).default(upright).rotate(-90).png().toBuffer())));
    expect(meanAbsDiff(a.species.data, ignored.species.data)).toBeGreaterThan(20);
  });
});
