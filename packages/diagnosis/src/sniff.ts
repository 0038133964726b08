import { DiagnosisError } from './errors.ts';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

const CONVERT = 'Open the photo in your gallery and share or save it as JPEG, then try again.';

/** HEIF family brands (iPhone "High Efficiency" photos) and AVIF: ISO-BMFF "ftyp" at offset 4. */
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'avif', 'avis']);

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
const be16 = (b: Uint8Array, at: number) => ((b[at] as number) << 8) | (b[at + 1] as number);
const be32 = (b: Uint8Array, at: number) => (be16(b, at) * 65536 + be16(b, at + 2)) >>> 0;
const le16 = (b: Uint8Array, at: number) => (b[at] as number) | ((b[at + 1] as number) << 8);
const le24 = (b: Uint8Array, at: number) => le16(b, at) | ((b[at + 2] as number) << 16);

/**
 * Reads format and pixel size from the first bytes, before any full decode, so that an empty,
 * foreign, truncated or huge file is refused with a specific error instead of a decoder crash.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw new DiagnosisError('IMAGE_UNREADABLE', 'the file is empty (0 bytes)', 'Take the photo again.');
  if (bytes.length >= 12 && ascii(bytes, 4, 4) === 'ftyp') {
    const brands = [ascii(bytes, 8, 4)];
    const boxEnd = Math.min(bytes.length, be32(bytes, 0));
    for (let p = 16; p + 4 <= boxEnd; p += 4) brands.push(ascii(bytes, p, 4));
    const heif = brands.find((b) => HEIF_BRANDS.has(b));
    if (heif) {
      throw new DiagnosisError('IMAGE_UNSUPPORTED', `HEIC/HEIF photos (brand "${heif}") cannot be read here`, CONVERT);
    }
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegHeader(bytes);
  if (bytes.length >= 8 && be32(bytes, 0) === 0x89504e47 && be32(bytes, 4) === 0x0d0a1a0a) return pngHeader(bytes);
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webpHeader(bytes);
  if (bytes.length >= 10 && ascii(bytes, 0, 4) === 'GIF8') return sized('gif', le16(bytes, 6), le16(bytes, 8));
  if (bytes.length >= 26 && ascii(bytes, 0, 2) === 'BM') {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return sized('bmp', Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true)));
  }
  throw new DiagnosisError(
    'IMAGE_NOT_A_PHOTO',
    'the file is not a photo this app can read (JPEG, PNG or WebP)',
    'Choose a photo from the camera or gallery.',
  );
}

function sized(format: ImageFormat, width: number, height: number): ImageHeader {
  if (!(width > 0 && height > 0)) throw new DiagnosisError('IMAGE_UNREADABLE', `the ${format} header gives no image size`);
  return { format, width, height };
}

const truncated = (what: string) =>
  new DiagnosisError(
    'IMAGE_UNREADABLE',
    `the ${what} file is incomplete (cut off while saving or copying)`,
    'Take or copy the photo again.',
  );

/** Walks the JPEG segments to the frame header (SOFn), then checks an end-of-image marker follows the scan. */
function jpegHeader(b: Uint8Array): ImageHeader {
  let p = 2;
  let size: { width: number; height: number } | null = null;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) throw new DiagnosisError('IMAGE_UNREADABLE', `the JPEG is corrupt (no marker at byte ${p})`);
    const m = b[p + 1] as number;
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m === 0xd9) break;
    const len = be16(b, p + 2);
    if (len < 2) throw new DiagnosisError('IMAGE_UNREADABLE', `the JPEG is corrupt (segment length ${len})`);
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (p + 9 > b.length) throw truncated('JPEG');
      size = { height: be16(b, p + 5), width: be16(b, p + 7) };
    }
    if (m === 0xda) {
      if (!size) throw new DiagnosisError('IMAGE_UNREADABLE', 'the JPEG has no frame header before its image data');
      // In entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so FFD9 is the real end.
      for (let q = p + 2 + len; q + 1 < b.length; q++) {
        if (b[q] === 0xff && b[q + 1] === 0xd9) return sized('jpeg', size.width, size.height);
      }
      throw truncated('JPEG');
    }
    p += 2 + len;
  }
  throw truncated('JPEG');
}

function pngHeader(b: Uint8Array): ImageHeader {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') throw truncated('PNG');
  // The last chunk must be IEND; anything shorter was cut off.
  let p = 8;
  while (p + 12 <= b.length) {
    const len = be32(b, p);
    if (ascii(b, p + 4, 4) === 'IEND') return sized('png', be32(b, 16), be32(b, 20));
    p += 12 + len;
  }
  throw truncated('PNG');
}

function webpHeader(b: Uint8Array): ImageHeader {
  if (b.length < 30) throw truncated('WebP');
  if (8 + le16(b, 4) + le16(b, 6) * 65536 > b.length) throw truncated('WebP');
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') return sized('webp', le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff);
  if (chunk === 'VP8L') {
    const bits = (b[21] as number) | ((b[22] as number) << 8) | ((b[23] as number) << 16) | ((b[24] as number) << 24);
    return sized('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') return sized('webp', le24(b, 24) + 1, le24(b, 27) + 1);
  throw new DiagnosisError('IMAGE_UNREADABLE', `unknown WebP chunk "${chunk}"`);
}
