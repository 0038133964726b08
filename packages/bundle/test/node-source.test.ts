import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BundleError } from '../src/errors.ts';
import { dirSource } from '../src/node.ts';
import { MAX_MANIFEST_BYTES, verifyBundle } from '../src/verify.ts';
import { copyOfBundle, fixtureKey } from './fixtures.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A private copy of the Python-signed fixture (model-card.md is one of its signed files). */
function bundle(): string {
  const dir = copyOfBundle('signed-by-python');
  made.push(dir);
  return dir;
}

async function failure(dir: string): Promise<BundleError> {
  const err = await verifyBundle(dirSource(dir), [fixtureKey('signed-by-python')]).then(
    () => new Error('verification unexpectedly passed'),
    (e: unknown) => e,
  );
  if (err instanceof BundleError) return err;
  throw err;
}

function replaceCard(dir: string, make: (path: string) => void): void {
  rmSync(join(dir, 'model-card.md'));
  make(join(dir, 'model-card.md'));
}

describe('a bundle on disk holds regular files only', () => {
  it('a symlink to /dev/zero is refused without reading it', async () => {
    const dir = bundle();
    replaceCard(dir, (path) => symlinkSync('/dev/zero', path));
    const before = process.memoryUsage().rss;
    const err = await failure(dir);
    expect(err.code).toBe('FILE_OUTSIDE_BUNDLE');
    expect(err.file).toBe('model-card.md');
    expect(err.message).toBe('model-card.md is a symlink that leads outside the bundle');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('a symlink to an identical file outside the bundle is refused', async () => {
    const dir = bundle();
    const outside = mkdtempSync(join(tmpdir(), 'leafcheck-outside-'));
    made.push(outside);
    copyFileSync(join(dir, 'model-card.md'), join(outside, 'card.md'));
    replaceCard(dir, (path) => symlinkSync(join(outside, 'card.md'), path));
    expect((await failure(dir)).code).toBe('FILE_OUTSIDE_BUNDLE');
  });

  it('a relative symlink climbing out with .. is refused', async () => {
    const dir = bundle();
    replaceCard(dir, (path) => symlinkSync('../../../../../../../../etc/hostname', path));
    expect((await failure(dir)).code).toBe('FILE_OUTSIDE_BUNDLE');
  });

  it('a symlink to another file inside the bundle is followed', async () => {
    const dir = bundle();
    mkdirSync(join(dir, 'docs'));
    copyFileSync(join(dir, 'model-card.md'), join(dir, 'docs', 'card.md'));
    replaceCard(dir, (path) => symlinkSync('docs/card.md', path));
    const verified = await verifyBundle(dirSource(dir), [fixtureKey('signed-by-python')]);
    expect(verified.files.get('model-card.md')).toEqual(new Uint8Array(readFileSync(join(dir, 'docs', 'card.md'))));
  });

  it('a symlink inside the bundle to a directory is refused as a directory', async () => {
    const dir = bundle();
    mkdirSync(join(dir, 'docs'));
    replaceCard(dir, (path) => symlinkSync('docs', path));
    expect((await failure(dir)).code).toBe('FILE_IS_DIRECTORY');
  });

  it('a directory is refused with a code, not a raw EISDIR', async () => {
    const dir = bundle();
    replaceCard(dir, (path) => mkdirSync(path));
    const err = await failure(dir);
    expect(err.code).toBe('FILE_IS_DIRECTORY');
    expect(err.message).toBe('model-card.md is a directory, not a file');
  });

  it('a FIFO is refused at once instead of hanging', async () => {
    const dir = bundle();
    replaceCard(dir, (path) => execFileSync('mkfifo', [path]));
    const err = await failure(dir);
    expect(err.code).toBe('FILE_IS_FIFO');
    expect(err.message).toBe('model-card.md is a named pipe, not a file');
  }, 5_000);

  it.runIf(process.getuid?.() === 0)('a device node inside the bundle is refused', async () => {
    const dir = bundle();
    replaceCard(dir, (path) => execFileSync('mknod', [path, 'c', '1', '5'])); // the same device as /dev/zero
    const err = await failure(dir);
    expect(err.code).toBe('FILE_IS_DEVICE');
    expect(err.message).toBe('model-card.md is a device, not a file');
  });
});

describe('reads are bounded by the manifest', () => {
  it('a 64 GiB file where a small one belongs stops after its byte count + 1', async () => {
    const dir = bundle();
    const card = readFileSync(join(dir, 'model-card.md')).byteLength;
    replaceCard(dir, (path) => {
      writeFileSync(path, '');
      truncateSync(path, 64 * 2 ** 30); // sparse: no disk used, but reading it whole would take minutes and 64 GiB
    });
    const err = await failure(dir);
    expect(err.code).toBe('FILE_SIZE_MISMATCH');
    expect(err.message).toBe(`model-card.md is more than ${card} bytes but the manifest says ${card} (incomplete download or wrong file)`);
    expect((await dirSource(dir).read('model-card.md', 10))?.byteLength).toBe(10);
  });

  it('a manifest past the size limit is refused before it is parsed', async () => {
    const dir = bundle();
    writeFileSync(join(dir, 'manifest.json'), ' '.repeat(MAX_MANIFEST_BYTES + 1));
    const err = await failure(dir);
    expect(err.code).toBe('MANIFEST_TOO_LARGE');
    expect(err.file).toBe('manifest.json');
  });

  it('reads a whole file when no bound is given, and an empty one as empty', async () => {
    const dir = bundle();
    writeFileSync(join(dir, 'empty.txt'), '');
    expect(await dirSource(dir).read('empty.txt')).toEqual(new Uint8Array(0));
    expect(await dirSource(dir).read('model-card.md')).toEqual(new Uint8Array(readFileSync(join(dir, 'model-card.md'))));
    expect(await dirSource(dir).read('absent.md')).toBeNull();
  });
});
