// EXIF orientation from JPEG bytes: APP1 "Exif\0\0" -> TIFF header -> IFD0 tag 0x0112.
// Small on purpose: the only EXIF fact the pipeline needs.

/** 1..8 as in the EXIF spec; 1 (as stored) when absent or unreadable. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;

export function readExifOrientation(bytes: Uint8Array): Orientation {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return 1;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return 1;
    const marker = bytes[p + 1] as number;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    // Start of scan or end of image: metadata segments come before both.
    if (marker === 0xda || marker === 0xd9) return 1;
    const len = ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
    if (len < 2) return 1;
    if (marker === 0xe1) {
      const found = orientationInApp1(bytes.subarray(p + 4, Math.min(bytes.length, p + 2 + len)));
      if (found !== null) return found;
    }
    p += 2 + len;
  }
  return 1;
}

function orientationInApp1(seg: Uint8Array): Orientation | null {
  // "Exif\0\0"
  if (seg.length < 14 || seg[0] !== 0x45 || seg[1] !== 0x78 || seg[2] !== 0x69 || seg[3] !== 0x66 || seg[4] !== 0 || seg[5] !== 0) {
    return null;
  }
  const tiff = seg.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const le = order === 0x4949;
  if (view.getUint16(2, le) !== 42) return null;
  const ifd0 = view.getUint32(4, le);
  if (ifd0 + 2 > tiff.length) return null;
  const count = view.getUint16(ifd0, le);
  for (let i = 0; i < count; i++) {
    const e = ifd0 + 2 + i * 12;
    if (e + 12 > tiff.length) return null;
    if (view.getUint16(e, le) !== ORIENTATION_TAG) continue;
    // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
    if (view.getUint16(e + 2, le) !== 3) return null;
    const v = view.getUint16(e + 8, le);
    return v >= 1 && v <= 8 ? (v as Orientation) : null;
  }
  return null;
}
