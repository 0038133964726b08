// t(): look a message up in the active catalogue and fill its {placeholders}; numbers through Intl.NumberFormat,
// plurals through Intl.PluralRules (`<key>.one` / `<key>.other`). One catalogue per language, in its own file.
import { type Catalogue, en, type MessageKey, type Translation } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';
import { hi } from './hi.ts';
import { pt } from './pt.ts';
import { sw } from './sw.ts';

export type { MessageKey };

/** Code -> the language's own name (what a farmer looks for in the list) and its messages. */
export const catalogues: Record<string, { name: string; messages: Translation }> = {
  en: { name: 'English', messages: en },
  sw: { name: 'Kiswahili', messages: sw },
  fr: { name: 'Français', messages: fr },
  es: { name: 'Español', messages: es },
  pt: { name: 'Português', messages: pt },
  hi: { name: 'हिन्दी', messages: hi },
};

let active: Translation = en;
let activeLang = 'en';

export function languages(): { code: string; name: string }[] {
  return Object.entries(catalogues).map(([code, c]) => ({ code, name: c.name }));
}

/** The first of the browser's languages (navigator.languages, most preferred first) that the app speaks, else English. */
export function pickLanguage(preferred: readonly string[]): string {
  for (const tag of preferred) {
    const code = tag.toLowerCase().split(/[-_]/)[0] ?? '';
    if (code in catalogues) return code;
  }
  return 'en';
}

export function setLanguage(code: string): void {
  const c = catalogues[code];
  if (!c) return;
  active = c.messages;
  activeLang = code;
  if (typeof document !== 'undefined') document.documentElement.lang = code;
}

export function language(): string {
  return activeLang;
}

/** A number as the farmer's language writes it (grouping, decimal sign). */
export function formatNumber(n: number, options: Intl.NumberFormatOptions = {}): string {
  return new Intl.NumberFormat(activeLang, options).format(n);
}

/** A whole percentage (0..100) as the language writes it: "87%", "87 %" (fr). */
export function formatPercent(p: number): string {
  return formatNumber(p / 100, { style: 'percent', maximumFractionDigits: 0 });
}

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const template = active[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in vars)) return whole;
    const v = vars[name];
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}

type PluralBase<K> = K extends `${infer B}.other` ? B : never;
export type PluralKey = PluralBase<MessageKey>;

/** A message that depends on a count: `<key>.one` or `<key>.other` by the language's plural rules, {n} filled. */
export function tn(key: PluralKey, n: number, vars: Record<string, string | number> = {}): string {
  const rule = new Intl.PluralRules(activeLang).select(n);
  const chosen = `${key}.${rule === 'one' ? 'one' : 'other'}` as MessageKey;
  return t(chosen, { n, ...vars });
}

export type { Catalogue };
