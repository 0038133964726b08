import { Validator } from '@cfworker/json-schema';
import schema from '../schema/advice.schema.json' with { type: 'json' };
import type { Advice, AdviceEntry } from './advice.types.ts';
import type { BundleManifest } from './manifest.types.ts';

export const SUPPORTED_ADVICE_FORMAT_VERSIONS: readonly number[] = [1];

export type AdviceErrorCode = 'ADVICE_NOT_JSON' | 'UNSUPPORTED_ADVICE_FORMAT_VERSION' | 'ADVICE_SCHEMA' | 'ADVICE_LABELS';

/** advice.json is wrong in one specific way; codes match trainer/advice (Python). */
export class AdviceError extends Error {
  override readonly name = 'AdviceError';
  readonly file = 'advice.json';
  constructor(
    readonly code: AdviceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const validator = new Validator(schema as object, '2020-12', false);

/** Parse and check advice.json text: JSON, format version, schema. */
export function parseAdvice(text: string): Advice {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new AdviceError('ADVICE_NOT_JSON', `advice.json is not valid JSON: ${(err as Error).message}`);
  }
  return validateAdvice(data);
}

export function validateAdvice(data: unknown): Advice {
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof data === 'object' && data !== null && !SUPPORTED_ADVICE_FORMAT_VERSIONS.includes(version as number)) {
    throw new AdviceError(
      'UNSUPPORTED_ADVICE_FORMAT_VERSION',
      `advice.json has format version ${JSON.stringify(version)}; this app reads versions ${SUPPORTED_ADVICE_FORMAT_VERSIONS.join(', ')}`,
    );
  }
  const result = validator.validate(data);
  if (!result.valid) {
    // The deepest error says most; cfworker lists the chain from the root down.
    const leaf = result.errors[result.errors.length - 1];
    const where = leaf?.instanceLocation.replace(/^#/, '') || '/';
    throw new AdviceError('ADVICE_SCHEMA', `advice.json does not match the schema at ${where}: ${leaf?.error ?? 'invalid'}`);
  }
  return data as Advice;
}

/** The labels a bundle needs advice for: every disease class plus the not-a-leaf label. */
export function adviceLabelsFor(manifest: BundleManifest): string[] {
  return [...manifest.models.disease.output.labels, manifest.taxonomy.notALeaf];
}

/** Fails naming every label without an entry and every entry for a label the models cannot answer. */
export function checkAdviceLabels(advice: Advice, labels: readonly string[]): void {
  const have = Object.keys(advice.entries);
  const missing = labels.filter((l) => !Object.hasOwn(advice.entries, l));
  const unknown = have.filter((l) => !labels.includes(l));
  if (missing.length || unknown.length) {
    throw new AdviceError(
      'ADVICE_LABELS',
      `advice.json does not match the model labels (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`,
    );
  }
}

/** The entry for a label, or null when the bundle has none (the UI then shows no advice). */
export function adviceFor(advice: Advice, label: string): AdviceEntry | null {
  return Object.hasOwn(advice.entries, label) ? (advice.entries[label] ?? null) : null;
}
