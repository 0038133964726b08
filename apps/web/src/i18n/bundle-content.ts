// The class names and advice translations the app speaks with: the running bundle's own, so a new class brings its
// names and its translated advice with the model; else the ones this app was built with (packages/bundle/content),
// for bundles that ship none (1.x, 2.0.0) and for screens shown before the bundle has loaded.

import es from '../../../../packages/bundle/content/advice/es.json';
import fr from '../../../../packages/bundle/content/advice/fr.json';
import hi from '../../../../packages/bundle/content/advice/hi.json';
import pt from '../../../../packages/bundle/content/advice/pt.json';
import sw from '../../../../packages/bundle/content/advice/sw.json';
import builtNames from '../../../../packages/bundle/content/names.json';
import type { BundleContent } from '../../../../workers/inference/src/api.ts';

type ClassNames = NonNullable<BundleContent['names']>;
type AdviceTranslation = BundleContent['adviceTranslations'][string];

const built: BundleContent = {
  names: builtNames as ClassNames,
  adviceTranslations: Object.fromEntries(([sw, fr, es, pt, hi] as AdviceTranslation[]).map((file) => [file.language, file])),
};
let running: BundleContent = { names: null, adviceTranslations: {} };

/** Called with each bundle the worker loads (src/lib/inference.ts). */
export function setRunningContent(content: BundleContent | undefined): void {
  running = content ?? { names: null, adviceTranslations: {} };
}

/** Names files to look a name up in, the running bundle's first. */
export function namesSources(): ClassNames[] {
  return [running.names, built.names].filter((n): n is ClassNames => n !== null);
}

/** A class's advice translated into `lang`: the running bundle's, else the built-in one, else undefined. */
export function translatedAdvice(lang: string, label: string): AdviceTranslation['entries'][string] | undefined {
  for (const content of [running, built]) {
    const entries = content.adviceTranslations[lang]?.entries;
    if (entries && Object.hasOwn(entries, label)) return entries[label];
  }
  return undefined;
}
