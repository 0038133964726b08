// Advice in the farmer's language: the bundle's advice.json is English; translations live in
// packages/bundle/content/advice/<lang>.json keyed by class, each entry carrying its review status, which the
// result screen shows in small print. A class without a translation is shown in English and says so.
import type { AdviceEntry } from '@leafcheck/diagnosis/types';
import es from '../../../../../../packages/bundle/content/advice/es.json';
import fr from '../../../../../../packages/bundle/content/advice/fr.json';
import hi from '../../../../../../packages/bundle/content/advice/hi.json';
import pt from '../../../../../../packages/bundle/content/advice/pt.json';
import sw from '../../../../../../packages/bundle/content/advice/sw.json';
import { language } from '../../../i18n/index.ts';

export type TranslationStatus = 'unreviewed' | 'flagged' | 'reviewed';

export interface TranslatedAdvice {
  status: TranslationStatus;
  symptoms: string[];
  actions: string[];
  prevention: string[];
}

interface AdviceTranslations {
  formatVersion: 1;
  language: string;
  entries: Record<string, TranslatedAdvice>;
}

export const adviceTranslations: Record<string, AdviceTranslations> = Object.fromEntries(
  ([sw, fr, es, pt, hi] as AdviceTranslations[]).map((file) => [file.language, file]),
);

export interface LocalAdvice {
  /** The language the lines are in (the advice card's lang attribute, and the voice's). */
  lang: string;
  /** en: the original (no status line); english: shown in English because no translation exists yet. */
  status: TranslationStatus | 'english' | 'original';
  symptoms: string[];
  actions: string[];
  prevention: string[];
}

export function localAdvice(label: string, english: AdviceEntry, lang = language()): LocalAdvice {
  const original = { symptoms: english.symptoms, actions: english.actions, prevention: english.prevention };
  if (lang === 'en') return { lang: 'en', status: 'original', ...original };
  const translated = adviceTranslations[lang]?.entries[label];
  if (!translated) return { lang: 'en', status: 'english', ...original };
  return {
    lang,
    status: translated.status,
    symptoms: translated.symptoms,
    actions: translated.actions,
    prevention: translated.prevention,
  };
}
