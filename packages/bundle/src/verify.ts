import { AdviceError, adviceLabelsFor, checkAdviceLabels, parseAdvice } from './advice.ts';
import { sha256Hex } from './bytes.ts';
import { checkChainGraphs } from './chain.ts';
import { type BundleContent, checkContent } from './content.ts';
import { BundleError } from './errors.ts';
import { parseManifest } from './manifest.ts';
import type { BundleManifest, Model } from './manifest.types.ts';
import type { ModelKind } from './model-graphs.ts';
import { readOnnxSignature } from './onnx-shape.ts';
import { checkNotRolledBack, type RollbackCheck } from './rollback.ts';
import { type TrustedKey, verifyManifestSignature } from './signature.ts';

/** Where bundle files come from: a directory in Node, fetch or Cache Storage in the browser. */
export interface BundleSource {
  /**
   * The file's bytes, or null when it does not exist. A source may stop after `maxBytes` (the verifier asks for
   * one byte more than it expects, enough to tell "too long" without reading an endless or huge file).
   */
  read(name: string, maxBytes?: number): Promise<Uint8Array | null>;
}

export interface VerifiedBundle {
  manifest: BundleManifest;
  signedBy: TrustedKey;
  /** Every verified file's bytes, by name. */
  files: ReadonlyMap<string, Uint8Array>;
  /** Class names and advice translations, when the bundle ships them (src/content.ts). */
  content: BundleContent;
}

export function modelEntries(manifest: BundleManifest): [kind: ModelKind, model: Model][] {
  return [
    ['species', manifest.models.species],
    ['disease', manifest.models.disease],
  ];
}

/** Checks the output width of an ONNX model against the labels the manifest gives it. */
export function checkLabelCount(kind: string, model: Model, bytes: Uint8Array): void {
  let outputs: ReturnType<typeof readOnnxSignature>['outputs'];
  try {
    outputs = readOnnxSignature(bytes).outputs;
  } catch (err) {
    throw new BundleError('MODEL_UNREADABLE', `${model.file} is not a readable ONNX model: ${(err as Error).message}`, model.file);
  }
  const out = outputs.find((o) => o.name === model.output.name);
  if (!out) {
    throw new BundleError('MODEL_UNREADABLE', `${model.file} has no output named "${model.output.name}"`, model.file);
  }
  const width = out.dims[out.dims.length - 1];
  if (width !== model.output.labels.length) {
    throw new BundleError(
      'LABEL_COUNT_MISMATCH',
      `${model.file}: the ${kind} model outputs ${width} classes but the manifest lists ${model.output.labels.length} labels`,
      model.file,
    );
  }
}

/** advice.json must be valid and cover exactly the labels the models can answer. */
function checkAdvice(manifest: BundleManifest, bytes: Uint8Array): void {
  try {
    checkAdviceLabels(parseAdvice(new TextDecoder().decode(bytes)), adviceLabelsFor(manifest));
  } catch (err) {
    if (err instanceof AdviceError) throw new BundleError('ADVICE_INVALID', err.message, 'advice.json');
    throw err;
  }
}

/** A real manifest is a few KiB; anything near this is not one. */
export const MAX_MANIFEST_BYTES = 1 << 20;

async function checkedFile(source: BundleSource, name: string, bytes: number, sha256: string): Promise<Uint8Array> {
  const data = await source.read(name, bytes + 1);
  if (data === null) throw new BundleError('FILE_MISSING', `${name} is missing from the bundle`, name);
  if (data.byteLength !== bytes) {
    const size = data.byteLength > bytes ? `more than ${bytes} bytes` : `${data.byteLength} bytes`;
    throw new BundleError(
      'FILE_SIZE_MISMATCH',
      `${name} is ${size} but the manifest says ${bytes} (incomplete download or wrong file)`,
      name,
    );
  }
  const actual = await sha256Hex(data);
  if (actual !== sha256) {
    throw new BundleError('FILE_HASH_MISMATCH', `${name} has sha256 ${actual} but the manifest says ${sha256}`, name);
  }
  return data;
}

/**
 * Verifies a whole bundle before anything uses it: manifest, signature by a trusted key,
 * then every file's size and sha256, then each model's output width against its labels.
 */
export interface VerifyOptions {
  /** Rollback protection: refuse a version below the device's highest verified one without a signed statement. */
  rollback?: Omit<RollbackCheck, 'trusted'>;
}

export async function verifyBundle(
  source: BundleSource,
  trusted: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<VerifiedBundle> {
  const manifestBytes = await source.read('manifest.json', MAX_MANIFEST_BYTES + 1);
  if (manifestBytes === null) throw new BundleError('MANIFEST_MISSING', 'manifest.json is missing from the bundle', 'manifest.json');
  if (manifestBytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new BundleError('MANIFEST_TOO_LARGE', `manifest.json is larger than ${MAX_MANIFEST_BYTES} bytes`, 'manifest.json');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes);
  } catch {
    throw new BundleError('MANIFEST_NOT_JSON', 'manifest.json is not valid UTF-8 text', 'manifest.json');
  }
  const manifest = parseManifest(text);
  const signedBy = verifyManifestSignature(manifest, trusted);
  if (options.rollback) {
    checkNotRolledBack(manifest.bundleVersion, await sha256Hex(manifestBytes), { ...options.rollback, trusted });
  }

  const files = new Map<string, Uint8Array>([['manifest.json', manifestBytes]]);
  const models = new Map<string, Uint8Array>();
  for (const [kind, model] of modelEntries(manifest)) {
    // A shared graph (both models in one file) is read and hashed once.
    const bytes = models.get(model.file) ?? (await checkedFile(source, model.file, model.bytes, model.sha256));
    checkLabelCount(kind, model, bytes);
    models.set(model.file, bytes);
    files.set(model.file, bytes);
  }
  const { backbone, species } = manifest.models;
  if (backbone) {
    const bytes = await checkedFile(source, backbone.file, backbone.bytes, backbone.sha256);
    checkChainGraphs(backbone, bytes, species.file, models.get(species.file) as Uint8Array);
    files.set(backbone.file, bytes);
  }
  for (const [name, ref] of Object.entries(manifest.files)) {
    files.set(name, await checkedFile(source, name, ref.bytes, ref.sha256));
  }
  checkAdvice(manifest, files.get('advice.json') as Uint8Array);
  return { manifest, signedBy, files, content: checkContent(manifest, files) };
}
