#!/usr/bin/env -S npx --no-install tsx
// leafcheck: the diagnosis pipeline on the command line (onnxruntime-node + sharp).
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BundleError } from '@leafcheck/bundle';
import { DiagnosisError } from '@leafcheck/diagnosis';
import { batches, listImages } from './files.ts';
import { progress, type Row, table } from './format.ts';
import { createNodePipeline, DEFAULT_BUNDLE_DIR, loadBundle, readKeyFile } from './node-platform.ts';
import { readPhotoFile } from './photo-file.ts';

const USAGE = `usage:
  leafcheck diagnose <image|dir>... [--crop CROP] [--json] [--bundle DIR] [--plant] [--trust KEY.json]...
      --bundle  a verified bundle directory (default: bundles/default)
      --plant   the images are photos of one plant: combine them into one answer
      --trust   also trust this public key file ({ keyId, publicKeyHex })
  leafcheck bundle verify <dir> [--trust KEY.json]...`;

const BATCH = 16;

function errorOf(err: unknown): { code: string; message: string; advice?: string } {
  if (err instanceof DiagnosisError) return { code: err.code, message: err.message, ...(err.advice ? { advice: err.advice } : {}) };
  if (err instanceof BundleError) return { code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException;
  return { code: e.code ?? 'ERROR', message: e.message };
}

async function diagnose(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      crop: { type: 'string' },
      json: { type: 'boolean' },
      bundle: { type: 'string' },
      plant: { type: 'boolean' },
      trust: { type: 'string', multiple: true },
    },
  });
  if (positionals.length === 0) throw new UsageError('diagnose needs an image or a directory');
  const files = await listImages(positionals);
  if (files.length === 0) throw new UsageError(`no images found in ${positionals.join(', ')}`);
  const { pipeline, release } = await createNodePipeline(
    resolve(values.bundle ?? DEFAULT_BUNDLE_DIR),
    (values.trust ?? []).map(readKeyFile),
  );
  const request = values.crop !== undefined ? { crop: values.crop } : {};
  const rows: Row[] = [];
  try {
    if (values.plant) {
      try {
        const photos = await Promise.all(files.map(readPhotoFile));
        rows.push({ file: files.join(', '), result: await pipeline.diagnose(photos, request) });
      } catch (err) {
        rows.push({ file: files.join(', '), error: errorOf(err) });
      }
    } else {
      let done = 0;
      for (const batch of batches(files, BATCH)) {
        const results = await Promise.all(
          batch.map(async (file): Promise<Row> => {
            try {
              const bytes = await readPhotoFile(file);
              return { file, result: await pipeline.diagnose([bytes], request) };
            } catch (err) {
              return { file, error: errorOf(err) };
            }
          }),
        );
        rows.push(...results);
        done += batch.length;
        if (files.length > 1) progress(done, files.length);
      }
    }
  } finally {
    await release();
  }
  process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : `${table(rows)}\n`);
  return rows.some((r) => 'error' in r) ? 1 : 0;
}

async function bundleVerify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { trust: { type: 'string', multiple: true } } });
  const [sub, dir] = positionals;
  if (sub !== 'verify' || !dir) throw new UsageError('bundle verify needs a directory');
  try {
    const b = await loadBundle(resolve(dir), (values.trust ?? []).map(readKeyFile));
    const m = b.manifest;
    process.stdout.write(
      `ok: bundle ${m.bundleVersion}, signed by ${b.signedBy.keyId}${b.signedBy.owner ? ` (${b.signedBy.owner})` : ''}, ` +
        `${Object.keys(m.taxonomy.crops).length} crops, ${m.models.disease.output.labels.length} disease classes, ${b.files.size} files verified\n`,
    );
    return 0;
  } catch (err) {
    const e = errorOf(err);
    process.stderr.write(`invalid: ${e.code}: ${e.message}\n`);
    return 1;
  }
}

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'diagnose') return await diagnose(rest);
    if (command === 'bundle') return await bundleVerify(rest);
    throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    const e = errorOf(err);
    process.stderr.write(`leafcheck: ${e.code}: ${e.message}\n`);
    return 1;
  }
}

// Run when executed directly (also through a symlink), not when imported by bin/leafcheck.mjs or tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
