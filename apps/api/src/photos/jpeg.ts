// Minimal JPEG header reader: enough to refuse non-JPEG bytes and oversized photos at the door.

export type JpegCheck = { ok: true; width: number; height: number } | { ok: false; reason: string };

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

export function readJpegSize(bytes: Uint8Array): JpegCheck {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return { ok: false, reason: 'not a JPEG (no SOI marker)' };
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return { ok: false, reason: `corrupt JPEG: expected a marker at byte ${i}` };
    const marker = bytes[i + 1] as number;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const length = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
    if (SOF_MARKERS.has(marker)) {
      if (i + 9 > bytes.length) break;
      const height = ((bytes[i + 5] as number) << 8) | (bytes[i + 6] as number);
      const width = ((bytes[i + 7] as number) << 8) | (bytes[i + 8] as number);
      return { ok: true, width, height };
    }
    if (marker === 0xd9 || marker === 0xda) break;
    i += 2 + length;
  }
  return { ok: false, reason: 'corrupt JPEG: no frame header' };
}

/** Decodes a record's photo and applies the protocol's rules (JPEG, longest side <= maxSide). */
export function checkPhoto(base64: string, maxSide: number): { ok: true; bytes: Uint8Array } | { ok: false; reason: string } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return { ok: false, reason: 'not base64' };
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  const size = readJpegSize(bytes);
  if (!size.ok) return size;
  if (size.width === 0 || size.height === 0) return { ok: false, reason: 'JPEG has no size' };
  if (Math.max(size.width, size.height) > maxSide) {
    return { ok: false, reason: `photo is ${size.width}x${size.height}; the longest side must be <= ${maxSide} px` };
  }
  return { ok: true, bytes };
}
