import { describe, expect, it } from 'vitest';
import { certaintyKey, cropName, diseaseName, isHealthy, percent, shownAlternatives } from './words.ts';

describe('result words', () => {
  it('turns PlantVillage labels into human names (names catalogue)', () => {
    expect(diseaseName('Tomato___Late_blight')).toBe('Late blight');
    expect(diseaseName('Corn_(maize)___Common_rust_')).toBe('Common rust');
    expect(diseaseName('Tomato___Spider_mites Two-spotted_spider_mite')).toBe('Spider mites');
    expect(diseaseName('Apple___healthy')).toBe('Healthy');
    expect(cropName('Corn_(maize)')).toBe('Maize');
    expect(cropName('Pepper,_bell')).toBe('Sweet pepper');
  });

  it('shows only alternatives with real probability', () => {
    const alts = [
      { label: 'A', probability: 0.7 },
      { label: 'B', probability: 0.2 },
      { label: 'C', probability: 0.004 },
    ];
    expect(shownAlternatives(alts, 'A').map((a) => a.label)).toEqual(['B']);
  });

  it('says how sure in words by calibrated probability', () => {
    expect(certaintyKey(0.97)).toBe('result.veryLikely');
    expect(certaintyKey(0.85)).toBe('result.veryLikely');
    expect(certaintyKey(0.7)).toBe('result.likely');
    expect(certaintyKey(0.4)).toBe('result.possibly');
  });

  it('rounds percentages down and clamps them, never claiming 100%', () => {
    expect(percent(0.876)).toBe(87);
    // Below a 95% threshold the app says "not sure": its best guess must not read "95%".
    expect(percent(0.9499)).toBe(94);
    expect(percent(0.9996)).toBe(99);
    expect(percent(-0.1)).toBe(0);
    expect(isHealthy('Bean___healthy')).toBe(true);
    expect(isHealthy('Bean___Bean_rust')).toBe(false);
  });
});
