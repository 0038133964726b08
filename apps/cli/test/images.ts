// Test photos made on the fly with sharp (never copies of ../shared images).
import sharp from 'sharp';

/** A "leaf-like" picture whose top and bottom halves differ, so orientation mistakes show. */
export function twoTone(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const top = y < height / 2;
      data[o] = top ? 40 : 200;
      data[o + 1] = top ? 160 : 60;
      data[o + 2] = Math.round((x / width) * 120);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

export async function jpeg(png: Buffer, options: { orientation?: number; cmyk?: boolean; grey?: boolean } = {}): Promise<Buffer> {
  let img = sharp(png);
  if (options.grey) img = img.greyscale();
  // CMYK as print software saves it: with its ICC profile (without one, decoders guess differently).
  if (options.cmyk) img = img.toColourspace('cmyk').withIccProfile('cmyk');
  if (options.orientation) img = img.withMetadata({ orientation: options.orientation });
  return img.jpeg({ quality: 95 }).toBuffer();
}

/** A JPEG as a phone held sideways stores it: pixels rotated, EXIF orientation 6 to turn them back. */
export async function sidewaysPhonePhoto(upright: Buffer): Promise<Buffer> {
  // Orientation 6 means "rotate 90 degrees clockwise to view", so store it rotated anticlockwise.
  const stored = await sharp(upright).rotate(-90).png().toBuffer();
  return jpeg(stored, { orientation: 6 });
}

export function pngWithAlpha(width: number, height: number, alpha: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([200, 0, 0, alpha], i * 4);
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

export function hugeJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 60, g: 150, b: 50 } } })
    .jpeg({ quality: 50 })
    .toBuffer();
}
