// Bad input in Chromium, through the real worker, and the browser decoder against the Node one
// (sharp) on the same files: the model tensors must match.
import { readFileSync } from 'node:fs';
import { launchChromium } from '@leafcheck/test-browser';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hugeJpeg, jpeg, pngWithAlpha, sidewaysPhonePhoto, twoTone } from '../../../apps/cli/test/images.ts';
import { fixturePipeline } from '../../../apps/cli/test/setup.ts';
import { fakeHeic } from '../../../packages/diagnosis/test/bytes.ts';
import { PAGE, SHARED_DATA, sharedImage, startServer } from './server.ts';

const BUNDLE = '/packages/bundle/fixtures/signed-by-python/';
const KEY = JSON.parse(readFileSync(new URL('../../../packages/bundle/fixtures/signed-by-python.key.json', import.meta.url), 'utf8'));
const b64 = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64');

let browser: Browser;
let server: ViteDevServer;
let page: Page;
let node: Awaited<ReturnType<typeof fixturePipeline>>;

beforeAll(async () => {
  browser = await launchChromium();
  const s = await startServer(false);
  server = s.server;
  page = await browser.newPage();
  await page.goto(s.url + PAGE);
  await page.waitForFunction(() => 'harness' in globalThis, null, { timeout: 60_000 });
  await page.evaluate(
    async ({ bundle, key }) => {
      const g = globalThis as unknown as {
        harness: { startWorker: () => { load: (u: string, o: unknown) => Promise<unknown> } };
        api: unknown;
      };
      const api = g.harness.startWorker();
      g.api = api;
      await api.load(new URL(bundle, location.href).href, { trustedKeys: [key] });
    },
    { bundle: BUNDLE, key: KEY },
  );
  node = await fixturePipeline();
});
afterAll(async () => {
  await node?.release();
  await browser?.close();
  await server?.close();
});

/** The worker's answer for one photo: the result's kind, or the error's name and message. */
function inWorker(photo: Uint8Array | Buffer) {
  return page.evaluate(async (data) => {
    const g = globalThis as unknown as { api: { diagnose: (p: ArrayBuffer[]) => Promise<{ kind: string }> } };
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    return g.api.diagnose([bytes.buffer]).then(
      (r) => ({ kind: r.kind, name: '', message: '' }),
      (e: Error) => ({ kind: 'error', name: e.name, message: e.message }),
    );
  }, b64(photo));
}

/** The species model's input tensor as the browser decoder + shared pipeline make it. */
function browserTensor(photo: Uint8Array | Buffer): Promise<number[]> {
  return page.evaluate(
    async ({ data, bundle }) => {
      type D = typeof import('@leafcheck/diagnosis');
      const g = globalThis as unknown as {
        harness: { diagnosis: D; createBrowserDecoder: () => Promise<import('@leafcheck/diagnosis').ImageDecoder> };
      };
      const manifest = await (await fetch(`${bundle}manifest.json`)).json();
      const noModel = { run: async () => ({}) };
      const p = g.harness.diagnosis.createPipeline({ manifest, files: new Map() }, noModel, await g.harness.createBrowserDecoder());
      const t = await p.prepare(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
      return Array.from(t.species.data);
    },
    { data: b64(photo), bundle: BUNDLE },
  );
}

async function nodeTensor(photo: Uint8Array | Buffer): Promise<Uint8Array> {
  return (await node.pipeline.prepare(new Uint8Array(photo))).species.data;
}
const meanAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / a.length;
};

describe('bad input in the worker', () => {
  it('0-byte and truncated JPEG: IMAGE_UNREADABLE; a text file: IMAGE_NOT_A_PHOTO', async () => {
    const whole = await jpeg(await twoTone(120, 90));
    for (const bad of [new Uint8Array(), whole.subarray(0, whole.length >> 1)]) {
      expect((await inWorker(bad)).name).toBe('IMAGE_UNREADABLE');
    }
    expect((await inWorker(new TextEncoder().encode('GIF? no, a text file'))).name).toBe('IMAGE_NOT_A_PHOTO');
  });
  it('HEIC: IMAGE_UNSUPPORTED, advising JPEG', async () => {
    const r = await inWorker(fakeHeic('heic'));
    expect(r.name).toBe('IMAGE_UNSUPPORTED');
    expect(r.message).toMatch(/JPEG/);
  });
  it('12000x9000 photo: IMAGE_TOO_LARGE from the header (browser limit 50 MP), the worker stays usable', async () => {
    const r = await inWorker(await hugeJpeg(12000, 9000));
    expect(r.name).toBe('IMAGE_TOO_LARGE');
    expect((await inWorker(await jpeg(await twoTone(64, 64)))).kind).toMatch(/diagnosis|not-sure/);
  }, 60_000);
  it('a 7000x5000 photo is decoded downscaled and diagnosed', async () => {
    expect((await inWorker(await hugeJpeg(7000, 5000))).kind).toMatch(/diagnosis|not-sure/);
  }, 60_000);
});

describe('browser decoding matches Node decoding (same tensors)', () => {
  const cases: [string, () => Promise<Buffer>][] = [
    ['real PlantVillage JPEG', async () => readFileSync(new URL(sharedImage('plantvillage/Tomato___Late_blight/'), SHARED_DATA))],
    ['real iBean field JPEG', async () => readFileSync(new URL(sharedImage('ibean/test/Bean___Angular_leaf_spot/'), SHARED_DATA))],
    ['PNG with half alpha', () => pngWithAlpha(40, 40, 128)],
    ['PNG fully transparent', () => pngWithAlpha(40, 40, 0)],
    ['greyscale JPEG', async () => jpeg(await twoTone(64, 48), { grey: true })],
    ['rotated phone photo (EXIF 6)', async () => sidewaysPhonePhoto(await twoTone(48, 64))],
    [
      'large JPEG decoded at 1/8',
      async () =>
        sharp(await twoTone(400, 300))
          .resize(3200, 2400)
          .jpeg()
          .toBuffer(),
    ],
  ];
  it.each(cases)(
    '%s',
    async (_, make) => {
      const photo = await make();
      const [b, n] = await Promise.all([browserTensor(photo), nodeTensor(photo)]);
      expect(b.length).toBe(n.length);
      // Decoders differ in IDCT/upsampling/downscale filters by a level or two; a rotation or alpha mistake costs tens.
      expect(meanAbsDiff(b, n)).toBeLessThan(3);
    },
    30_000,
  );
  it('CMYK JPEG (with its profile): both decoders land near the RGB original', async () => {
    // CMYK loses some gamut, and the two colour engines differ, so compare each with the RGB source.
    const src = await twoTone(64, 48);
    const rgb = await nodeTensor(await jpeg(src));
    const cmyk = await jpeg(src, { cmyk: true });
    expect(meanAbsDiff(await browserTensor(cmyk), rgb)).toBeLessThan(15);
    expect(meanAbsDiff(await nodeTensor(cmyk), rgb)).toBeLessThan(15);
    expect((await inWorker(cmyk)).kind).toMatch(/diagnosis|not-sure/);
  });
  it('the rotated photo is upright in the browser too', async () => {
    const upright = await twoTone(48, 64);
    const d = meanAbsDiff(await browserTensor(await sidewaysPhonePhoto(upright)), await nodeTensor(await jpeg(upright)));
    expect(d).toBeLessThan(3);
  });
});
