// A feedback photo is parsed to its end before the record is acked: every segment, the frame and the scan
// headers, and for baseline/sequential JPEGs (what the PWA's canvas encoder writes) every Huffman code of every
// block, so a header with no image data, a cut-off file or a scan of noise is refused per record and never
// reaches the training export. Progressive scans are parsed segment by segment (their data is skipped, not decoded).
// No pixels are computed: this costs about a millisecond per 512 px photo.

export type JpegCheck = { ok: true; width: number; height: number } | { ok: false; reason: string };

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
}

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  components: Component[];
}

/** A canonical Huffman table (JPEG Annex C): per code length, the largest code and where its values start. */
interface Huffman {
  maxCode: Int32Array;
  offset: Int32Array;
  values: Uint8Array;
  /** For every 9-bit prefix: (code length << 8 | value) of the code it starts with, 0 when that code is longer. */
  fast: Uint16Array;
}

const FAST_BITS = 9;

class BadJpeg extends Error {}

const be16 = (b: Uint8Array, at: number) => ((b[at] as number) << 8) | (b[at + 1] as number);

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(17).fill(-1);
  const offset = new Int32Array(17);
  const fast = new Uint16Array(1 << FAST_BITS);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1] as number;
    offset[len] = k - code;
    if (code + n > 1 << len) throw new BadJpeg('a Huffman table has more codes than fit');
    for (let i = 0; i < n && len <= FAST_BITS; i++) {
      const shift = FAST_BITS - len;
      fast.fill((len << 8) | (values[k + i] as number), (code + i) << shift, (code + i + 1) << shift);
    }
    code += n;
    k += n;
    if (n > 0) maxCode[len] = code - 1;
    code <<= 1;
  }
  return { maxCode, offset, values, fast };
}

/** Reads the entropy-coded bits of one scan: 0xFF00 is a data byte 0xFF; it stops at any other marker. */
class BitReader {
  /** The low `count` bits of `acc` are unread. */
  private acc = 0;
  private count = 0;
  private atMarker = false;
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.count <= 24 && !this.atMarker) {
      const byte = this.b[this.pos];
      if (byte === undefined) break;
      if (byte === 0xff) {
        if (this.b[this.pos + 1] !== 0x00) {
          this.atMarker = true;
          break;
        }
        this.pos++;
      }
      this.pos++;
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  /** The next `n` bits, zero-padded past the end (consume() refuses to go there). */
  private peek(n: number): number {
    const mask = (1 << n) - 1;
    return this.count >= n ? (this.acc >>> (this.count - n)) & mask : (this.acc << (n - this.count)) & mask;
  }

  private consume(n: number): void {
    if (n > this.count) {
      throw new BadJpeg(this.atMarker ? 'the image data ends before the last block' : 'the image data is cut off');
    }
    this.count -= n;
  }

  skip(n: number): void {
    this.fill();
    this.consume(n);
  }

  decode(table: Huffman): number {
    this.fill();
    const hit = table.fast[this.peek(FAST_BITS)] as number;
    if (hit !== 0) {
      this.consume(hit >> 8);
      return hit & 0xff;
    }
    for (let len = FAST_BITS + 1; len <= 16; len++) {
      const code = this.peek(len);
      if (code <= (table.maxCode[len] as number)) {
        this.consume(len);
        return table.values[code + (table.offset[len] as number)] as number;
      }
    }
    throw new BadJpeg('the image data has an invalid Huffman code');
  }

  /** Drops the pad bits of the last byte and expects RSTn. */
  restart(n: number): void {
    this.fill();
    if (this.count >= 8 || !this.atMarker || this.b[this.pos + 1] !== 0xd0 + (n % 8)) throw new BadJpeg('a restart marker is missing');
    this.pos += 2;
    this.acc = 0;
    this.count = 0;
    this.atMarker = false;
  }
}

/** Walks every block of a sequential scan through its Huffman tables (DC category + bits, AC run/size + bits). */
function walkSequentialScan(
  b: Uint8Array,
  start: number,
  frame: Frame,
  scan: Array<{ c: Component; dc: Huffman; ac: Huffman }>,
  restartInterval: number,
): number {
  const hMax = Math.max(...frame.components.map((c) => c.h));
  const vMax = Math.max(...frame.components.map((c) => c.v));
  let mcus: number;
  let blocksPerMcu: Array<{ dc: Huffman; ac: Huffman }>;
  if (scan.length === 1) {
    const { c, dc, ac } = scan[0] as (typeof scan)[number];
    mcus = Math.ceil(Math.ceil((frame.width * c.h) / hMax) / 8) * Math.ceil(Math.ceil((frame.height * c.v) / vMax) / 8);
    blocksPerMcu = [{ dc, ac }];
  } else {
    mcus = Math.ceil(frame.width / (8 * hMax)) * Math.ceil(frame.height / (8 * vMax));
    blocksPerMcu = scan.flatMap(({ c, dc, ac }) => new Array(c.h * c.v).fill({ dc, ac }));
  }
  const reader = new BitReader(b, start);
  for (let mcu = 0; mcu < mcus; mcu++) {
    if (restartInterval > 0 && mcu > 0 && mcu % restartInterval === 0) reader.restart(mcu / restartInterval - 1);
    for (const { dc, ac } of blocksPerMcu) {
      const size = reader.decode(dc);
      if (size > 11) throw new BadJpeg('the image data has an invalid DC value');
      reader.skip(size);
      for (let k = 1; k < 64; k++) {
        const rs = reader.decode(ac);
        const run = rs >> 4;
        const bits = rs & 15;
        if (bits === 0) {
          if (run !== 15) break; // end of block
          k += 15;
          continue;
        }
        k += run;
        if (k > 63) throw new BadJpeg('the image data has a coefficient past the end of a block');
        reader.skip(bits);
      }
    }
  }
  return reader.pos;
}

/** From `p`, past entropy-coded data to the next marker that is not RSTn; `empty`: whether there may be none. */
function skipScanData(b: Uint8Array, p: number, empty: boolean): number {
  const start = p;
  while (p + 1 < b.length) {
    if (b[p] === 0xff) {
      const next = b[p + 1] as number;
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) {
        if (p === start && !empty) throw new BadJpeg('a scan has no image data');
        return p;
      }
    }
    p++;
  }
  throw new BadJpeg('the image data is cut off (no end-of-image marker)');
}

function parseFrame(marker: number, seg: Uint8Array, maxSide: number): Frame {
  if (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2) {
    throw new BadJpeg(`the JPEG uses a coding this server does not accept (SOF${marker - 0xc0}); send baseline or progressive`);
  }
  const n = seg[5] as number;
  if (seg.length !== 6 + 3 * n || n < 1 || n > 4) throw new BadJpeg('the frame header is malformed');
  if (seg[0] !== 8) throw new BadJpeg(`the JPEG has ${seg[0]}-bit samples; only 8-bit photos are accepted`);
  const height = be16(seg, 1);
  const width = be16(seg, 3);
  if (width === 0 || height === 0) throw new BadJpeg('JPEG has no size');
  // Before any image data is read, so a huge claimed size costs nothing.
  if (Math.max(width, height) > maxSide) throw new BadJpeg(`photo is ${width}x${height}; the longest side must be <= ${maxSide} px`);
  const components: Component[] = [];
  for (let i = 0; i < n; i++) {
    const at = 6 + 3 * i;
    const c = { id: seg[at] as number, h: (seg[at + 1] as number) >> 4, v: (seg[at + 1] as number) & 15, tq: seg[at + 2] as number };
    if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3) throw new BadJpeg('the frame header is malformed');
    components.push(c);
  }
  return { width, height, progressive: marker === 0xc2, components };
}

function parseJpeg(b: Uint8Array, maxSide: number): { width: number; height: number } {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw new BadJpeg('not a JPEG (no SOI marker)');
  const quant = new Set<number>();
  const dcTables = new Map<number, Huffman>();
  const acTables = new Map<number, Huffman>();
  let frame: Frame | null = null;
  let restartInterval = 0;
  let scans = 0;
  let p = 2;
  for (;;) {
    if (p + 2 > b.length) throw new BadJpeg('the JPEG is cut off (no end-of-image marker)');
    if (b[p] !== 0xff) throw new BadJpeg(`corrupt JPEG: expected a marker at byte ${p}`);
    const marker = b[p + 1] as number;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      if (scans === 0 || frame === null) throw new BadJpeg('the JPEG has no image data (no scan)');
      return { width: frame.width, height: frame.height };
    }
    if (marker === 0xd8 || marker === 0x00) throw new BadJpeg(`corrupt JPEG: unexpected marker at byte ${p}`);
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    if (p + 4 > b.length) throw new BadJpeg('the JPEG is cut off');
    const length = be16(b, p + 2);
    if (length < 2 || p + 2 + length > b.length) throw new BadJpeg(`the JPEG is cut off or corrupt (segment at byte ${p})`);
    const seg = b.subarray(p + 4, p + 2 + length);
    p += 2 + length;
    if (marker === 0xdb) {
      for (let i = 0; i < seg.length; ) {
        const precision = (seg[i] as number) >> 4;
        quant.add((seg[i] as number) & 15);
        i += 1 + 64 * (precision ? 2 : 1);
        if (i > seg.length || precision > 1) throw new BadJpeg('a quantisation table is malformed');
      }
    } else if (marker === 0xc4) {
      for (let i = 0; i < seg.length; ) {
        const cls = (seg[i] as number) >> 4;
        const id = (seg[i] as number) & 15;
        const counts = seg.subarray(i + 1, i + 17);
        const total = counts.reduce((a, n) => a + n, 0);
        if (counts.length < 16 || cls > 1 || id > 3 || i + 17 + total > seg.length) throw new BadJpeg('a Huffman table is malformed');
        (cls === 0 ? dcTables : acTables).set(id, buildHuffman(counts, seg.subarray(i + 17, i + 17 + total)));
        i += 17 + total;
      }
    } else if (marker === 0xdd) {
      if (seg.length !== 2) throw new BadJpeg('the restart interval is malformed');
      restartInterval = be16(seg, 0);
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (frame !== null) throw new BadJpeg('the JPEG has two frame headers');
      frame = parseFrame(marker, seg, maxSide);
    } else if (marker === 0xda) {
      if (frame === null) throw new BadJpeg('the scan comes before the frame header');
      const current: Frame = frame;
      const n = seg[0] as number;
      if (n < 1 || n > 4 || seg.length !== 4 + 2 * n) throw new BadJpeg('a scan header is malformed');
      for (const c of current.components) if (!quant.has(c.tq)) throw new BadJpeg('a quantisation table is missing');
      const scan = Array.from({ length: n }, (_, i) => {
        const c = current.components.find((x) => x.id === seg[1 + 2 * i]);
        if (c === undefined) throw new BadJpeg('a scan names a component the frame does not have');
        const tables = seg[2 + 2 * i] as number;
        return { c, dc: dcTables.get(tables >> 4), ac: acTables.get(tables & 15) };
      });
      scans++;
      if (current.progressive) {
        p = skipScanData(b, p, false);
        continue;
      }
      const ready = scan.map(({ c, dc, ac }) => {
        if (dc === undefined || ac === undefined) throw new BadJpeg('a Huffman table is missing');
        return { c, dc, ac };
      });
      if (seg[1 + 2 * n] !== 0 || seg[2 + 2 * n] !== 63) throw new BadJpeg('a sequential scan must cover all coefficients');
      // Whatever follows the last block up to the next marker is ignored, as decoders do.
      p = skipScanData(b, walkSequentialScan(b, p, current, ready, restartInterval), true);
    }
    // APPn, COM and the rest carry no pixels: skipped.
  }
}

/** Parses a whole JPEG (see the top of this file); `maxSide` refuses a larger frame before its data is read. */
export function readJpeg(bytes: Uint8Array, maxSide = 65_535): JpegCheck {
  try {
    return { ok: true, ...parseJpeg(bytes, maxSide) };
  } catch (err) {
    if (err instanceof BadJpeg) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Decodes a record's photo and applies the protocol's rules (a whole JPEG, longest side <= maxSide). */
export function checkPhoto(base64: string, maxSide: number): { ok: true; bytes: Uint8Array } | { ok: false; reason: string } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return { ok: false, reason: 'not base64' };
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  const checked = readJpeg(bytes, maxSide);
  return checked.ok ? { ok: true, bytes } : checked;
}
