// Photos named on the command line are checked before they are read (apps/cli/src/photo-file.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PHOTO_BYTES } from '@leafcheck/diagnosis';
import { afterAll, describe, expect, it } from 'vitest';
import { readPhotoFile } from '../src/photo-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'leafcheck-cli-photo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (path: string) =>
  readPhotoFile(path).then(
    () => null,
    (e: Error & { advice?: string }) => e,
  );

describe('photo files on the command line', () => {
  it('refuses a FIFO at once instead of hanging', async () => {
    const fifo = join(dir, 'leaf.jpg');
    execFileSync('mkfifo', [fifo]);
    expect(await refusal(fifo)).toMatchObject({ name: 'IMAGE_NOT_A_PHOTO', message: `${fifo} is not a file` });
  }, 5_000);

  it('refuses /dev/zero behind a symlink and a directory', async () => {
    symlinkSync('/dev/zero', join(dir, 'zero.jpg'));
    mkdirSync(join(dir, 'folder.jpg'));
    expect((await refusal(join(dir, 'zero.jpg')))?.name).toBe('IMAGE_NOT_A_PHOTO');
    expect((await refusal(join(dir, 'folder.jpg')))?.name).toBe('IMAGE_NOT_A_PHOTO');
  });

  it('refuses a file over the photo limit without reading it, and reads one within it', async () => {
    const big = join(dir, 'big.jpg');
    writeFileSync(big, '');
    truncateSync(big, 10 * 2 ** 30); // sparse 10 GB
    expect(await refusal(big)).toMatchObject({ name: 'IMAGE_TOO_LARGE', message: 'the file is 10240.0 MB; the limit is 40 MB' });
    truncateSync(big, MAX_PHOTO_BYTES);
    expect((await readPhotoFile(big)).byteLength).toBe(MAX_PHOTO_BYTES);
  });
});
