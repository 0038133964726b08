// Every language has every key of en.ts and the same {placeholders} in each message; plurals and numbers via Intl;
// every class of the shipped bundle has a name in every language.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import names from '../../../../packages/bundle/content/names.json';
import { en } from './en.ts';
import { catalogues, formatPercent, pickLanguage, setLanguage, t, tn } from './index.ts';
import { cropName, diseaseName, fullName } from './names.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const codes = Object.keys(catalogues);

describe('message catalogues', () => {
  it('offer English, Kiswahili, French, Spanish, Portuguese and Hindi', () => {
    expect(codes).toEqual(expect.arrayContaining(['en', 'sw', 'fr', 'es', 'pt', 'hi']));
  });

  it.each(codes)('%s has every key, with the same placeholders, and nothing else', (code) => {
    const messages = catalogues[code]?.messages ?? {};
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const [key, english] of Object.entries(en)) {
      const text = (messages as Record<string, string>)[key] ?? '';
      expect(text.trim(), `${code} ${key}`).not.toBe('');
      expect(placeholders(text), `${code} ${key}`).toEqual(placeholders(english));
    }
  });

  it('Hindi is written in Devanagari', () => {
    expect(catalogues.hi?.messages['feedback.title']).toMatch(/[\u0900-\u097F]/);
  });

  it('picks the first of the browser languages it speaks', () => {
    expect(pickLanguage(['de-DE', 'sw-KE', 'en'])).toBe('sw');
    expect(pickLanguage(['pt-BR'])).toBe('pt');
    expect(pickLanguage(['de', 'ja'])).toBe('en');
  });

  it('chooses plural forms and writes numbers with Intl', () => {
    setLanguage('en');
    expect(tn('diagnose.photoCount', 1)).toBe('1 photo of this plant');
    expect(tn('diagnose.photoCount', 3)).toBe('3 photos of this plant');
    expect(t('review.left', { n: 12345 })).toBe('12,345 left');
    setLanguage('fr');
    expect(tn('diagnose.photoCount', 0)).toBe('0 photo de cette plante'); // French: 0 is singular
    expect(formatPercent(87)).toBe('87\u00a0%');
    setLanguage('en');
    expect(formatPercent(87)).toBe('87%');
  });
});

describe('class names', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../../../bundles/default/manifest.json', import.meta.url), 'utf8')) as {
    taxonomy: { crops: Record<string, string[]> };
  };
  const crops = Object.keys(manifest.taxonomy.crops);
  const labels = Object.values(manifest.taxonomy.crops).flat();

  it.each(codes)('%s names every crop and class of the bundle, never with a dataset spelling', (code) => {
    setLanguage(code);
    for (const crop of crops) expect(names.crops, crop).toHaveProperty([crop, code]);
    for (const label of labels) {
      if (!/healthy$/.test(label)) expect(names.classes, label).toHaveProperty([label, 'names', code]);
      const said = fullName(label);
      expect(said).not.toMatch(/_|Haunglongbing|Gray_leaf|Pepper, bell|including sour|Two-spotted/);
    }
    setLanguage('en');
  });

  it('says plain names in English', () => {
    setLanguage('en');
    expect(cropName('Pepper,_bell')).toBe('Sweet pepper');
    expect(cropName('Cherry_(including_sour)')).toBe('Cherry');
    expect(diseaseName('Orange___Haunglongbing_(Citrus_greening)')).toBe('Citrus greening (HLB)');
    expect(diseaseName('Corn_(maize)___Cercospora_leaf_spot Gray_leaf_spot')).toBe('Grey leaf spot');
    expect(diseaseName('Tomato___healthy')).toBe('Healthy');
    expect(diseaseName('Cassava___Brown_streak_(CBSD)')).toBe('Brown streak'); // unknown class: cleaned, never raw
  });
});
