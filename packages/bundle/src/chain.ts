// The chained layout: a backbone file (photo -> last feature map) and a heads file (feature map -> pooled
// -> species and disease logits). A head-only retrain changes only the heads file, so a phone downloads
// only that. Twin: trainer/bundle/chain.py (same rules, same messages).
import { canonicalJson } from './canonical-json.ts';
import { BundleError } from './errors.ts';
import type { Backbone, BundleManifest } from './manifest.types.ts';
import { readOnnxSignature } from './onnx-shape.ts';

const ONNX_FLOAT = 1;

/** `<name>-<first 16 hex digits of sha256>.onnx`: the name a chained bundle gives each model file. */
export function contentAddressedName(stem: string, sha256: string): string {
  return `${stem}-${sha256.slice(0, 16)}.onnx`;
}

function layoutError(message: string, file = 'manifest.json'): BundleError {
  return new BundleError('LAYOUT_INVALID', message, file);
}

/** Manifest-level rules of the chained layout (no-op for the other two layouts). */
export function checkChainLayout(manifest: BundleManifest): void {
  const { backbone, species, disease } = manifest.models;
  if (!backbone) return;
  if (species.file !== disease.file) {
    throw layoutError(
      `with a backbone, models.species and models.disease must both name the heads file (species: ${species.file}, disease: ${disease.file})`,
    );
  }
  if (canonicalJson(backbone.input) !== canonicalJson(species.input)) {
    throw layoutError("models.backbone.input must equal the models' input (the photo the chain reads)");
  }
  for (const [file, sha256] of [
    [backbone.file, backbone.sha256],
    [species.file, species.sha256],
  ] as const) {
    if (!file.endsWith(`-${sha256.slice(0, 16)}.onnx`)) {
      throw layoutError(
        `"${file}" is not content-addressed: a chained bundle names each model file <name>-<first 16 hex digits of its sha256>.onnx`,
      );
    }
  }
}

/** The backbone really outputs a float32 NCHW feature map, and the heads file reads it by that name. */
export function checkChainGraphs(backbone: Backbone, backboneBytes: Uint8Array, headsFile: string, headsBytes: Uint8Array): void {
  const name = backbone.output.name;
  let features: ReturnType<typeof readOnnxSignature>['outputs'][number] | undefined;
  let headsInputs: ReturnType<typeof readOnnxSignature>['inputs'];
  try {
    features = readOnnxSignature(backboneBytes).outputs.find((o) => o.name === name);
  } catch (err) {
    throw new BundleError('MODEL_UNREADABLE', `${backbone.file} is not a readable ONNX model: ${(err as Error).message}`, backbone.file);
  }
  try {
    headsInputs = readOnnxSignature(headsBytes).inputs;
  } catch (err) {
    throw new BundleError('MODEL_UNREADABLE', `${headsFile} is not a readable ONNX model: ${(err as Error).message}`, headsFile);
  }
  if (!features) throw new BundleError('MODEL_UNREADABLE', `${backbone.file} has no output named "${name}"`, backbone.file);
  if (features.elemType !== ONNX_FLOAT || features.dims.length !== 4) {
    throw layoutError(`${backbone.file} output "${name}" is not a float32 NCHW feature map`, backbone.file);
  }
  const read = headsInputs.find((i) => i.name === name);
  if (!read) {
    throw layoutError(
      `${headsFile} does not read the backbone's output "${name}" (its inputs: ${headsInputs.map((i) => i.name).join(', ') || 'none'})`,
      headsFile,
    );
  }
  const [outC, inC] = [features.dims[1], read.dims[1]];
  if (typeof outC === 'number' && typeof inC === 'number' && outC !== inC) {
    throw layoutError(`${backbone.file} outputs ${outC} feature channels but ${headsFile} reads ${inC}`, headsFile);
  }
}
