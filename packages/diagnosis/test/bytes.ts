// Builds minimal JPEG/PNG byte streams for header and EXIF tests (structure only, not decodable pixels).

const u16be = (v: number) => [(v >> 8) & 0xff, v & 0xff];

export function segment(marker: number, payload: number[]): number[] {
  return [0xff, marker, ...u16be(payload.length + 2), ...payload];
}

/** APP1 Exif segment whose IFD0 holds only the orientation tag. */
export function exifApp1(orientation: number, littleEndian = false): number[] {
  const u16 = (v: number) => (littleEndian ? [v & 0xff, (v >> 8) & 0xff] : u16be(v));
  const u32 = (v: number) => (littleEndian ? [...u16(v & 0xffff), ...u16(v >>> 16)] : [...u16(v >>> 16), ...u16(v & 0xffff)]);
  const tiff = [
    ...(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]),
    ...u16(42),
    ...u32(8),
    ...u16(1), // one entry
    ...u16(0x0112),
    ...u16(3),
    ...u32(1),
    ...u16(orientation),
    0,
    0,
    ...u32(0), // no next IFD
  ];
  return segment(0xe1, [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]);
}

export function fakeJpeg(opts: { width: number; height: number; orientation?: number; littleEndian?: boolean; eoi?: boolean }): Uint8Array {
  const sof = segment(0xc0, [8, ...u16be(opts.height), ...u16be(opts.width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const sos = segment(0xda, [3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
  return new Uint8Array([
    0xff,
    0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...(opts.orientation ? exifApp1(opts.orientation, opts.littleEndian) : []),
    ...sof,
    ...sos,
    0x12,
    0xff,
    0x00,
    0x34,
    ...(opts.eoi === false ? [] : [0xff, 0xd9]),
  ]);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: number[]): number[] {
  const body = [...type].map((c) => c.charCodeAt(0)).concat(data);
  let crc = 0xffffffff;
  for (const b of body) crc = (crcTable[(crc ^ b) & 0xff] as number) ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return [...u32(data.length), ...body, ...u32(crc)];
}

export function fakePng(width: number, height: number, opts: { iend?: boolean } = {}): Uint8Array {
  const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk('IHDR', [...u32(width), ...u32(height), 8, 6, 0, 0, 0]),
    ...chunk('IDAT', [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
    ...(opts.iend === false ? [] : chunk('IEND', [])),
  ]);
}

/** An ISO-BMFF ftyp box as iPhones write at the start of a .heic file. */
export function fakeHeic(brand = 'heic'): Uint8Array {
  const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
  const body = [...ascii('ftyp'), ...ascii(brand), 0, 0, 0, 0, ...ascii('mif1'), ...ascii(brand)];
  return new Uint8Array([0, 0, 0, body.length + 4, ...body, 0, 0, 0, 8, ...ascii('meta')]);
}
