// The leafcheck command itself, run as a child process the way a user runs it.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, twoTone } from './images.ts';
import { FIXTURE_BUNDLE, FIXTURE_KEY } from './setup.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

async function leafcheck(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [MAIN, ...args], {
      env: { ...process.env, LEAFCHECK_HOME: join(dir, 'home') },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leafcheck-cli-'));
  for (let i = 0; i < 20; i++)
    writeFileSync(join(dir, `leaf-${String(i).padStart(2, '0')}.jpg`), await jpeg(await twoTone(50 + i, 40 + i)));
  writeFileSync(join(dir, 'empty.jpg'), new Uint8Array());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('leafcheck', () => {
  it('diagnose <dir> --json: one row per file, errors as rows, progress on stderr', async () => {
    const r = await leafcheck('diagnose', dir, '--json', '--bundle', FIXTURE_BUNDLE, '--trust', FIXTURE_KEY);
    expect(r.code).toBe(1); // one file is bad
    const rows = JSON.parse(r.stdout) as { file: string; result?: { kind: string; bundleVersion: string }; error?: { code: string } }[];
    expect(rows).toHaveLength(21);
    expect(rows.find((x) => x.file.endsWith('empty.jpg'))?.error?.code).toBe('IMAGE_UNREADABLE');
    expect(rows.filter((x) => x.result?.bundleVersion === '0.0.1-fixture')).toHaveLength(20);
    expect(r.stderr).toMatch(/21\/21/);
  }, 60_000);
  it('diagnose <image> --crop prints a table', async () => {
    const r = await leafcheck('diagnose', join(dir, 'leaf-00.jpg'), '--crop', 'Bean', '--bundle', FIXTURE_BUNDLE, '--trust', FIXTURE_KEY);
    expect(r.code).toBe(0);
    const [head, row] = r.stdout.trim().split('\n');
    expect(head).toMatch(/^file\s+crop\s+disease\s+probability\s+decision$/);
    expect(row).toMatch(/leaf-00\.jpg\s+Bean\s+Bean___\S+\s+\d+\.\d%/);
  }, 30_000);
  it('diagnose --crop with an unknown crop says so', async () => {
    const r = await leafcheck(
      'diagnose',
      join(dir, 'leaf-00.jpg'),
      '--crop',
      'Cassava',
      '--json',
      '--bundle',
      FIXTURE_BUNDLE,
      '--trust',
      FIXTURE_KEY,
    );
    expect(JSON.parse(r.stdout)[0].error.code).toBe('CROP_UNKNOWN');
  }, 30_000);
  it('bundle verify: ok for the fixture, refused when a file is changed or the key is not trusted', async () => {
    expect((await leafcheck('bundle', 'verify', FIXTURE_BUNDLE, '--trust', FIXTURE_KEY)).stdout).toMatch(/^ok: bundle 0\.0\.1-fixture/);
    const untrusted = await leafcheck('bundle', 'verify', FIXTURE_BUNDLE);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/UNTRUSTED_KEY/);
    const copy = mkdtempSync(join(tmpdir(), 'leafcheck-bundle-'));
    cpSync(FIXTURE_BUNDLE, copy, { recursive: true });
    writeFileSync(join(copy, 'advice.json'), '{"entries":{}}\n');
    const tampered = await leafcheck('bundle', 'verify', copy, '--trust', FIXTURE_KEY);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/FILE_(SIZE|HASH)_MISMATCH: advice\.json/);
    rmSync(copy, { recursive: true, force: true });
  }, 30_000);
  it('usage errors exit 2', async () => {
    expect((await leafcheck('frobnicate')).code).toBe(2);
  }, 30_000);
});
