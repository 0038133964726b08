// A bundle's farmer-facing content besides advice.json: class names per language (names.json) and advice translations
// (advice.<lang>.json). They ship inside the signed bundle, so a new class brings its names and its translated advice.
// Twin of trainer/bundle/content.py: same rules, same messages (fixtures/content-cases.json). Both files are optional
// (1.x and 2.0.0 bundles have neither; the app then uses the names and translations it was built with).
import { Validator } from '@cfworker/json-schema';
import translationSchema from '../schema/advice-translation.schema.json' with { type: 'json' };
import namesSchema from '../schema/names.schema.json' with { type: 'json' };
import type { AdviceTranslation } from './advice-translation.types.ts';
import { BundleError } from './errors.ts';
import type { BundleManifest } from './manifest.types.ts';
import type { ClassNames, Localized } from './names.types.ts';

export const NAMES_FILE = 'names.json';
const TRANSLATION_FILE = /^advice\.([a-z]{2,3})\.json$/;

/** The content a verified bundle carries: names (null when it has none) and advice translations by language. */
export interface BundleContent {
  names: ClassNames | null;
  adviceTranslations: Record<string, AdviceTranslation>;
}

type Subset = Pick<BundleManifest, 'taxonomy'> & { models: { disease: { output: { labels: string[] } } } };

const namesValidator = new Validator(namesSchema as object, '2020-12', false);
const translationValidator = new Validator(translationSchema as object, '2020-12', false);

const fail = (file: string, message: string) => new BundleError('CONTENT_INVALID', message, file);

function document(file: string, bytes: Uint8Array, validator: Validator): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw fail(file, `${file} is not valid JSON`);
  }
  const result = validator.validate(doc);
  if (!result.valid) {
    const leaf = result.errors[result.errors.length - 1];
    const where = leaf?.instanceLocation.replace(/^#/, '') || '/';
    throw fail(file, `${file} does not match its schema at ${where}: ${leaf?.error ?? 'invalid'}`);
  }
  return doc;
}

export function isTranslationFile(file: string): boolean {
  return TRANSLATION_FILE.test(file);
}

/**
 * Every crop, class and 'healthy' the file names is named in every language it lists. A crop or class it does not
 * list at all (a new class from reviewed feedback, before anyone named it) passes: the app names it by its
 * cleaned-up label until names are added.
 */
export function checkNames(manifest: Subset, bytes: Uint8Array): ClassNames {
  const names = document(NAMES_FILE, bytes, namesValidator) as ClassNames;
  const gaps = (what: string, localized: Localized | undefined): string[] => {
    if (!localized) return [];
    const absent = names.languages.filter((lang) => !localized[lang]);
    return absent.length ? [`${what} (${absent.join(', ')})`] : [];
  };
  const missing: string[] = [];
  for (const crop of [...Object.keys(manifest.taxonomy.crops), manifest.taxonomy.notALeaf])
    missing.push(...gaps(`crop ${crop}`, names.crops[crop]));
  missing.push(...gaps('healthy', names.healthy));
  for (const label of manifest.models.disease.output.labels) {
    if (!label.endsWith('___healthy')) missing.push(...gaps(`class ${label}`, names.classes[label]?.names));
  }
  if (missing.length) throw fail(NAMES_FILE, `${NAMES_FILE} has no name for: ${missing.join(', ')}`);
  return names;
}

/** advice.<lang>.json: in the language its name says, for classes this bundle answers. */
export function checkTranslation(manifest: Subset, file: string, bytes: Uint8Array): AdviceTranslation {
  const match = TRANSLATION_FILE.exec(file);
  if (!match) throw fail(file, `${file} is not an advice translation file name (advice.<language>.json)`);
  const doc = document(file, bytes, translationValidator) as AdviceTranslation;
  if (doc.language !== match[1]) throw fail(file, `${file} says it is in "${doc.language}"`);
  const answerable = new Set([...manifest.models.disease.output.labels, manifest.taxonomy.notALeaf]);
  const unknown = Object.keys(doc.entries)
    .filter((label) => !answerable.has(label))
    .sort();
  if (unknown.length) throw fail(file, `${file} has advice for classes this bundle does not answer: ${unknown.join(', ')}`);
  return doc;
}

/** Checks every content file among a bundle's (already hash-checked) files and returns what they say. */
export function checkContent(manifest: Subset, files: ReadonlyMap<string, Uint8Array>): BundleContent {
  const content: BundleContent = { names: null, adviceTranslations: {} };
  for (const [name, bytes] of files) {
    if (name === NAMES_FILE) content.names = checkNames(manifest, bytes);
    else if (isTranslationFile(name)) {
      const doc = checkTranslation(manifest, name, bytes);
      content.adviceTranslations[doc.language] = doc;
    }
  }
  return content;
}
