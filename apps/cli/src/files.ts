import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.heic', '.heif']);

/** The image files named on the command line: files as given, directories walked recursively, sorted. */
export async function listImages(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      const entries = await readdir(p, { recursive: true, withFileTypes: true });
      const found = entries
        .filter((e) => e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase()))
        .map((e) => join(e.parentPath, e.name));
      out.push(...found.sort());
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Splits work into fixed-size batches so a 10,000-photo folder never holds more than one batch of files. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
