// The per-run trainer config and the next bundle version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/env.ts';
import { ConfigError, nextVersion, runConfig, withSettings } from '../src/training/config.ts';

// A version no real config carries, so all three replaced lines differ from the base.
const values = { runDir: '/data/runs/r1/run', bundleOut: '/data/runs/r1/bundle', version: '99.0.0' };

describe('run config', () => {
  it("replaces run_dir, bundle.out and bundle.version in the trainer's default config and keeps the rest", () => {
    const base = readFileSync(join(REPO_ROOT, 'trainer/configs/default.toml'), 'utf8');
    const out = runConfig(base, values);
    expect(out).toContain('run_dir = "/data/runs/r1/run"');
    expect(out).toContain('out = "/data/runs/r1/bundle"');
    expect(out).toMatch(/^version = "99\.0\.0"/m);
    const changed = out.split('\n').filter((line, i) => line !== base.split('\n')[i]);
    expect(changed).toHaveLength(3);
  });

  it('changes only keys of their own section, keeps comments, and refuses a config that lacks one', () => {
    const base = '[train]\nrun_dir = "a"  # here\n[bundle]\nout = "b"\nversion = "1.0.0"\n[[bundle.sources]]\nout = "not this"\n';
    expect(runConfig(base, values)).toBe(
      '[train]\nrun_dir = "/data/runs/r1/run"  # here\n[bundle]\nout = "/data/runs/r1/bundle"\nversion = "99.0.0"\n[[bundle.sources]]\nout = "not this"\n',
    );
    expect(() => runConfig('[train]\nrun_dir = "a"\n', values)).toThrow(ConfigError);
    expect(() => runConfig('[train]\nrun_dir = "a"\n', values)).toThrow(/bundle\.out, bundle\.version/);
  });

  it('next version: minor + 1', () => {
    expect(nextVersion('1.3.0')).toBe('1.4.0');
    expect(nextVersion('1.3.7-rc.1')).toBe('1.4.0');
    expect(nextVersion(null)).toBe('0.1.0');
  });

  it('withSettings replaces a key of its section, adds a missing key under the header and appends a missing section', () => {
    const base = '[train]\nrun_dir = "a"\nseed = 0\n[bundle]\nseed = "not this"\n[[bundle.sources]]\nprefix = "x/"\n';
    const out = withSettings(base, { train: { seed: 3, feature_cache: '/c "q"' }, run: { kind: 'head' } });
    expect(out).toBe(
      '[train]\nfeature_cache = "/c \\"q\\""\nrun_dir = "a"\nseed = 3\n[bundle]\nseed = "not this"\n[[bundle.sources]]\nprefix = "x/"\n\n\n[run]\nkind = "head"',
    );
  });
});
