// Advice in the farmer's language: the bundle's advice.json is English; its translations (advice.<lang>.json in the
// bundle, else the app's own copy: i18n/bundle-content.ts) are keyed by class, each entry carrying its review status,
// which the result screen shows in small print. A class without a translation is shown in English and says so.
import type { AdviceEntry } from '@leafcheck/diagnosis/types';
import { translatedAdvice } from '../../../i18n/bundle-content.ts';
import { language } from '../../../i18n/index.ts';

export type TranslationStatus = 'unreviewed' | 'flagged' | 'reviewed';

export interface TranslatedAdvice {
  status: TranslationStatus;
  symptoms: string[];
  actions: string[];
  prevention: string[];
}

/** Whether a class's advice has a translation into `lang` (the review screen's flag box lists those). */
export function hasTranslation(lang: string, label: string): boolean {
  return translatedAdvice(lang, label) !== undefined;
}

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
  const translated: TranslatedAdvice | undefined = translatedAdvice(lang, label);
  if (!translated) return { lang: 'en', status: 'english', ...original };
  return {
    lang,
    status: translated.status,
    symptoms: translated.symptoms,
    actions: translated.actions,
    prevention: translated.prevention,
  };
}
