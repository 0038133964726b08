// Feedback photos are parsed to the end before a record is acked (apps/api/src/photos/jpeg.ts).

import type { FeedbackBatchResponse } from '@leafcheck/sync';
import sharp from 'sharp'; // a test-only encoder (hoisted from apps/web and apps/cli): real baseline and progressive files
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPhoto, readJpeg } from '../src/photos/jpeg.ts';
import { record, TINY_JPEG_BASE64 } from './fixtures.ts';
import { call, describeEachBackend, openHarness } from './harness.ts';

/** 40x24 noise saved by Pillow with a restart marker after every MCU (5 RSTn). */
const RESTART_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAYACgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/90ABAAB/9oADAMBAAIRAxEAPwBdkksKxTSM1u22NF8sAFcc4x6ZIxjJOOvZsxjZIHVTs2cPkjB7YPU54GPmyfTnK2Ur7jLC2xGAKpvK7yCVxk+pwP8A6/RQCbUpKsUiB8DzHOSwKhf9rpv9c4PbihO2qXz2/r9dgSls/wDL+v62P//QWUzW00QaMlpuWaUjGM/dyxPPHcnqD70xbiNUVIZ5lKJtUAng5OATgfQg8c/jRGrS2svmR/KxbeF28HnP3sc5A4AHUcjJp0YAkkaJNxUBTFsXaAAwG5ucZxxnnjjGcUWTupIJWe72P//RQWc0jyMyFZPvOzhRuGRhTg8ZyR16j0opsodmkkWJ1kUA7nIUgZ2jC9Bg/wAzxzRSftN4tJehlUjOTtBJ27/8A//SRftRDRb0nxh3HeTOOQwyO56dqVrmNMXTGR2KlklYEBum0j6E4we/YcAlFVCCm77enmhRvzyV9j//03xp5dxLAxVW5yDJgMCAG564PAzyRzjoKjlcfOPLMkjddrtndkZGOuCMc47/AEyUVpJKDSXYzpN3s/I//9RJ7m5aOF4im/khmk2tv/2s9Rxgdc9+uKKKK3XuaR/Q7qVOLck+jP/Z',
  'base64',
);

/** Deterministic noise, so the entropy-coded data is dense like a real photo's. */
function noise(width: number, height: number, channels: 1 | 3): Buffer {
  const out = Buffer.alloc(width * height * channels);
  let x = 12345;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

const encode = (width: number, height: number, options: Parameters<ReturnType<typeof sharp>['jpeg']>[0], channels: 1 | 3 = 3) =>
  sharp(noise(width, height, channels), { raw: { width, height, channels } })
    .jpeg(options)
    .toBuffer();

/** Offset just past the first start-of-scan header: where the image data begins. */
function scanStart(bytes: Uint8Array): number {
  const sos = Buffer.from(bytes).indexOf(Buffer.from([0xff, 0xda]));
  return sos + 2 + ((bytes[sos + 2] as number) << 8) + (bytes[sos + 3] as number);
}

describe('feedback photos are parsed to the end', () => {
  const photos: Record<string, Uint8Array> = {};
  beforeAll(async () => {
    photos.baseline420 = await encode(512, 384, { quality: 80, chromaSubsampling: '4:2:0' });
    photos.baseline444 = await encode(384, 512, { quality: 90, chromaSubsampling: '4:4:4' });
    photos.odd = await encode(333, 7, { quality: 75 });
    photos.grey = await encode(200, 120, { quality: 80 }, 1);
    photos.progressive = await encode(512, 384, { quality: 80, progressive: true });
  });

  it.each([
    ['baseline420', 512, 384],
    ['baseline444', 384, 512],
    ['odd', 333, 7],
    ['grey', 200, 120],
    ['progressive', 512, 384],
  ])('accepts a real %s JPEG', (name, width, height) => {
    expect(readJpeg(photos[name] as Uint8Array)).toEqual({ ok: true, width, height });
  });

  it('accepts the tiny fixture and a file with restart markers', () => {
    expect(readJpeg(Buffer.from(TINY_JPEG_BASE64, 'base64'))).toEqual({ ok: true, width: 8, height: 6 });
    expect(readJpeg(RESTART_JPEG)).toEqual({ ok: true, width: 40, height: 24 });
  });

  it('refuses SOI + frame header with no image data (the issue case)', () => {
    const tiny = Buffer.from(TINY_JPEG_BASE64, 'base64');
    const sof = tiny.indexOf(Buffer.from([0xff, 0xc0]));
    const headerOnly = Buffer.concat([tiny.subarray(0, sof + 2 + tiny.readUInt16BE(sof + 2)), Buffer.from([0xff, 0xd9])]);
    expect(readJpeg(headerOnly)).toEqual({ ok: false, reason: 'the JPEG has no image data (no scan)' });
    expect(readJpeg(headerOnly.subarray(0, headerOnly.length - 2))).toMatchObject({ ok: false });
    expect(readJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toEqual({ ok: false, reason: 'the JPEG has no image data (no scan)' });
  });

  it('refuses a scan header followed by nothing but the end marker', () => {
    const photo = Buffer.from(photos.baseline420 as Uint8Array);
    const start = scanStart(photo);
    expect(readJpeg(Buffer.concat([photo.subarray(0, start), Buffer.from([0xff, 0xd9])]))).toEqual({
      ok: false,
      reason: 'the image data ends before the last block',
    });
  });

  it('refuses every truncation, of every kind of file', () => {
    for (const [name, photo] of Object.entries({ ...photos, restart: RESTART_JPEG })) {
      for (const cut of [0.1, 0.3, 0.5, 0.7, 0.9, 0.99]) {
        const at = Math.floor(photo.length * cut);
        expect(readJpeg(photo.subarray(0, at)).ok, `${name} cut at ${at}`).toBe(false);
      }
      expect(readJpeg(photo.subarray(0, photo.length - 2)).ok, `${name} without its end marker`).toBe(false);
    }
  });

  it('refuses a baseline scan of noise (a header on random bytes)', () => {
    for (const name of ['baseline420', 'baseline444', 'grey']) {
      const photo = Buffer.from(photos[name] as Uint8Array);
      const start = scanStart(photo);
      let x = 99;
      for (let i = start; i < photo.length - 2; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        photo[i] = (x >>> 16) & 0xff;
        if (photo[i] === 0xff) photo[i] = 0xfe; // keep it marker-free: only the Huffman walk can tell
      }
      expect(readJpeg(photo), name).toMatchObject({ ok: false, reason: expect.stringMatching(/invalid|past the end|ends before/) });
    }
  });

  it('refuses a missing restart marker', () => {
    const photo = Buffer.from(RESTART_JPEG);
    const rst = photo.indexOf(Buffer.from([0xff, 0xd2]));
    photo[rst + 1] = 0xd5;
    expect(readJpeg(photo)).toEqual({ ok: false, reason: 'a restart marker is missing' });
  });

  it('refuses a huge claimed size before reading any image data', () => {
    const photo = Buffer.from(photos.baseline420 as Uint8Array);
    const sof = photo.indexOf(Buffer.from([0xff, 0xc0]));
    photo.writeUInt16BE(60_000, sof + 5);
    photo.writeUInt16BE(60_000, sof + 7);
    expect(checkPhoto(photo.toString('base64'), 512)).toEqual({
      ok: false,
      reason: 'photo is 60000x60000; the longest side must be <= 512 px',
    });
  });
});

describeEachBackend('POST /v1/feedback on %s', (backend) => {
  let h: Awaited<ReturnType<typeof openHarness>>;
  beforeAll(async () => {
    h = await openHarness(backend);
  });
  afterAll(() => h.close());

  it('refuses an undecodable photo per record and keeps the rest of the batch', async () => {
    const tiny = Buffer.from(TINY_JPEG_BASE64, 'base64');
    const sos = tiny.indexOf(Buffer.from([0xff, 0xda]));
    const headerOnly = Buffer.concat([tiny.subarray(0, sos), Buffer.from([0xff, 0xd9])]).toString('base64');
    const cutOff = tiny.subarray(0, tiny.length - 6).toString('base64');
    const res = await call(h, 'POST', '/v1/feedback', h.tokens.device, {
      records: [
        record(300, { photoJpegBase64: TINY_JPEG_BASE64 }),
        record(301, { photoJpegBase64: headerOnly }),
        record(302),
        record(303, { photoJpegBase64: cutOff }),
      ],
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as FeedbackBatchResponse;
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted', 'rejected']);
    expect(results[1]).toMatchObject({ errors: [{ path: 'photoJpegBase64', message: 'the JPEG has no image data (no scan)' }] });
    expect(results[3]).toMatchObject({ errors: [{ path: 'photoJpegBase64', message: expect.stringMatching(/cut off|ends before/) }] });
    expect(await h.deps.photos.get(record(301).id)).toBeNull();
    const stored = await h.db.db
      .selectFrom('feedback')
      .select('id')
      .where('id', 'in', [record(301).id, record(303).id])
      .execute();
    expect(stored).toEqual([]);
  });
});
