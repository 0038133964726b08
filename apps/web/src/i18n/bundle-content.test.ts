// The names and advice translations follow the running bundle: a class the app was not built with is named and
// advised from the bundle's own content; without bundle content the app's built-in copy speaks.
import { readFileSync } from 'node:fs';
import type { AdviceEntry } from '@leafcheck/diagnosis/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { BundleContent } from '../../../../workers/inference/src/api.ts';
import { localAdvice } from '../features/result/shared/advice.ts';
import { setRunningContent } from './bundle-content.ts';
import { setLanguage } from './index.ts';
import { cropName, diseaseName, scientificName } from './names.ts';

const NEW_CLASS = 'Cassava___Cassava_mosaic_disease';
// A real English entry stands in for the new class's (only its lines are replaced by the translation).
const advice = JSON.parse(readFileSync(new URL('../../../../trainer/advice/advice.json', import.meta.url), 'utf8'));
const english = Object.values(advice.entries as Record<string, AdviceEntry>)[0] as AdviceEntry;
const content: BundleContent = {
  names: {
    formatVersion: 1,
    languages: ['en', 'sw'],
    crops: { Cassava: { en: 'Cassava', sw: 'Muhogo' } },
    healthy: { en: 'Healthy', sw: 'Mzima' },
    classes: { [NEW_CLASS]: { scientific: 'Begomovirus', names: { en: 'Cassava mosaic', sw: 'Batobato ya muhogo' } } },
  },
  adviceTranslations: {
    sw: {
      formatVersion: 1,
      language: 'sw',
      entries: {
        [NEW_CLASS]: {
          status: 'unreviewed',
          symptoms: ['Rangi ya njano kwenye majani.'],
          actions: ['Ng’oa mimea iliyougua.'],
          prevention: ['Panda vipandikizi safi.'],
        },
      },
    },
  },
};

afterEach(() => {
  setRunningContent(undefined);
  setLanguage('en');
});

describe('bundle content', () => {
  it('a class the app was not built with is named from the bundle', () => {
    setLanguage('sw');
    expect(diseaseName(NEW_CLASS)).toBe('Cassava mosaic disease'); // without the bundle: a cleaned-up label
    setRunningContent(content);
    expect([cropName('Cassava'), diseaseName(NEW_CLASS), scientificName(NEW_CLASS)]).toEqual([
      'Muhogo',
      'Batobato ya muhogo',
      'Begomovirus',
    ]);
    expect(diseaseName('Cassava___healthy')).toBe('Mzima');
  });

  it("the bundle's advice translation is used, with its review status", () => {
    expect(localAdvice(NEW_CLASS, english, 'sw').status).toBe('english');
    setRunningContent(content);
    const advice = localAdvice(NEW_CLASS, english, 'sw');
    expect([advice.lang, advice.status, advice.actions]).toEqual(['sw', 'unreviewed', ['Ng’oa mimea iliyougua.']]);
  });

  it('a class the bundle names without a scientific name keeps the built-in one', () => {
    const names = content.names as NonNullable<BundleContent['names']>;
    const late = 'Tomato___Late_blight';
    setRunningContent({
      ...content,
      names: { ...names, classes: { ...names.classes, [late]: { names: { en: 'Late blight', sw: 'Baka chelewa' } } } },
    });
    expect(scientificName(late)).toBe('Phytophthora infestans');
  });

  it('classes the bundle does not name keep their built-in names', () => {
    setRunningContent(content);
    setLanguage('fr');
    expect(diseaseName('Orange___Haunglongbing_(Citrus_greening)')).not.toMatch(/Haunglongbing/);
    expect(cropName('Tomato')).toBe('Tomate');
  });
});
