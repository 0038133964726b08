// t(): look a message up in the active catalogue and fill its {placeholders}.
import { type Catalogue, en, type MessageKey } from './en.ts';

export type { MessageKey };

const catalogues: Record<string, { name: string; messages: Catalogue }> = {
  en: { name: 'English', messages: en },
};

let active: Catalogue = en;
let activeLang = 'en';

export function languages(): { code: string; name: string }[] {
  return Object.entries(catalogues).map(([code, c]) => ({ code, name: c.name }));
}

export function setLanguage(code: string): void {
  const c = catalogues[code];
  if (!c) return;
  active = c.messages;
  activeLang = code;
  document.documentElement.lang = code;
}

export function language(): string {
  return activeLang;
}

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const template = active[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
