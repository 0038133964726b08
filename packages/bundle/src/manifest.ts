import { Validator } from '@cfworker/json-schema';
import schema from '../schema/manifest.schema.json' with { type: 'json' };
import { canonicalJson } from './canonical-json.ts';
import { checkChainLayout } from './chain.ts';
import { firstDuplicateKey } from './duplicate-keys.ts';
import { BundleError } from './errors.ts';
import type { BundleManifest } from './manifest.types.ts';

export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1];

const validator = new Validator(schema as object, '2020-12', false);

/** Parse and fully check manifest.json text: JSON, format version, schema, label consistency. */
export function parseManifest(text: string): BundleManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new BundleError('MANIFEST_NOT_JSON', `manifest.json is not valid JSON: ${(err as Error).message}`, 'manifest.json');
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== null) {
    throw new BundleError(
      'MANIFEST_DUPLICATE_KEY',
      `manifest.json has the key "${duplicate}" twice in one object; readers could disagree on which one counts`,
      'manifest.json',
    );
  }
  return validateManifest(data);
}

export function validateManifest(data: unknown): BundleManifest {
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof data === 'object' && data !== null && !SUPPORTED_FORMAT_VERSIONS.includes(version as number)) {
    throw new BundleError(
      'UNSUPPORTED_FORMAT_VERSION',
      `manifest.json has format version ${JSON.stringify(version)}; this app reads versions ${SUPPORTED_FORMAT_VERSIONS.join(', ')}`,
      'manifest.json',
    );
  }
  const result = validator.validate(data);
  if (!result.valid) {
    // The deepest error says most; cfworker lists the chain from the root down.
    const leaf = result.errors[result.errors.length - 1];
    const where = leaf?.instanceLocation.replace(/^#/, '') || '/';
    throw new BundleError(
      'MANIFEST_SCHEMA',
      `manifest.json does not match the schema at ${where}: ${leaf?.error ?? 'invalid'}`,
      'manifest.json',
    );
  }
  const manifest = data as BundleManifest;
  checkLabelConsistency(manifest);
  checkChainLayout(manifest);
  return manifest;
}

/** The species labels are the crops plus not-a-leaf; the disease labels are exactly the taxonomy's classes. */
export function checkLabelConsistency(manifest: BundleManifest): void {
  const { crops, notALeaf } = manifest.taxonomy;
  const fail = (msg: string) => {
    throw new BundleError('LABELS_INCONSISTENT', `manifest.json labels are inconsistent: ${msg}`, 'manifest.json');
  };
  for (const [crop, diseases] of Object.entries(crops)) {
    for (const d of diseases) if (!d.startsWith(`${crop}___`)) fail(`disease "${d}" is listed under crop "${crop}"`);
  }
  const species = manifest.models.species.output.labels;
  const expectedSpecies = new Set([...Object.keys(crops), notALeaf]);
  const missingSpecies = [...expectedSpecies].filter((l) => !species.includes(l));
  const extraSpecies = species.filter((l) => !expectedSpecies.has(l));
  if (missingSpecies.length || extraSpecies.length) {
    fail(
      `species labels must be the taxonomy crops plus "${notALeaf}" (missing: ${missingSpecies.join(', ') || 'none'}; unexpected: ${extraSpecies.join(', ') || 'none'})`,
    );
  }
  const disease = manifest.models.disease.output.labels;
  const expectedDisease = new Set(Object.values(crops).flat());
  const missingDisease = [...expectedDisease].filter((l) => !disease.includes(l));
  const extraDisease = disease.filter((l) => !expectedDisease.has(l));
  if (missingDisease.length || extraDisease.length) {
    fail(
      `disease labels must be the taxonomy classes (missing: ${missingDisease.join(', ') || 'none'}; unexpected: ${extraDisease.join(', ') || 'none'})`,
    );
  }
  const { species: sp, disease: di } = manifest.models;
  if (sp.file === di.file) {
    // One graph with two outputs (a shared backbone): the two entries must describe the same file.
    if (sp.sha256 !== di.sha256 || sp.bytes !== di.bytes || canonicalJson(sp.input) !== canonicalJson(di.input)) {
      fail(`models.species and models.disease share "${sp.file}" but differ in sha256, bytes or input`);
    }
    if (sp.output.name === di.output.name) {
      fail(`models.species and models.disease share "${sp.file}" but read the same output "${sp.output.name}"`);
    }
  }
  const backbone = manifest.models.backbone ? [manifest.models.backbone.file] : [];
  const names = [...backbone, ...new Set([sp.file, di.file]), ...Object.keys(manifest.files)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(`file "${dup}" is listed twice`);
}
