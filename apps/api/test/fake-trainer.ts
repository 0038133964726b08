// A stand-in for `python -m trainer` in tests: never trains. argv: SETTINGS_JSON (pipeline --config FILE |
// bundle --config FILE --run-dir DIR --out DIR --version V). It prints a few log lines, then writes the
// TypeScript fixture bundle re-signed as the requested version with the settings' metrics and key.
// Settings: { keyPath, metrics?, exitCode?, sleepMs? }.
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleManifest } from '@leafcheck/bundle';
import { writeSignedBundle } from '@leafcheck/bundle/node';
import { REPO_ROOT } from '../src/env.ts';

interface Settings {
  keyPath: string;
  metrics?: Record<string, number>;
  exitCode?: number;
  sleepMs?: number;
}

const [settingsPath, step, ...rest] = process.argv.slice(2);
const settings = JSON.parse(await readFile(settingsPath as string, 'utf8')) as Settings;
const flag = (name: string) => rest[rest.indexOf(name) + 1] as string;
const config = await readFile(flag('--config'), 'utf8');
const value = (key: string) => (new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(config) as RegExpExecArray)[1] as string;
const out = step === 'bundle' ? flag('--out') : value('out');
const version = step === 'bundle' ? flag('--version') : value('version');

console.log(`== ${step} (fake) run_dir ${step === 'bundle' ? flag('--run-dir') : value('run_dir')}`);
if (settings.sleepMs) await new Promise((r) => setTimeout(r, settings.sleepMs));
if (settings.exitCode) {
  console.error(`fake trainer failing with ${settings.exitCode}`);
  process.exit(settings.exitCode);
}
const fixture = join(REPO_ROOT, 'packages/bundle/fixtures/signed-by-ts');
await cp(fixture, out, { recursive: true });
const manifest = JSON.parse(await readFile(join(fixture, 'manifest.json'), 'utf8')) as BundleManifest;
const key = JSON.parse(await readFile(settings.keyPath, 'utf8')) as { privateKeyHex: string };
await writeSignedBundle(out, { ...manifest, bundleVersion: version, metrics: settings.metrics ?? manifest.metrics }, key.privateKeyHex);
console.log(`== bundle ${version} written to ${out}`);
