import { describe, expect, it } from 'vitest';
import { lookupAdvice, parseAdvice } from '../src/advice.ts';

const entry = {
  name: 'Late blight',
  summary: 'A fast fungal-like disease that can kill the plant in days.',
  symptoms: ['Dark, water-soaked patches on leaves.'],
  actions: ['Remove infected leaves today.'],
  prevention: ['Water the soil, not the leaves.'],
  urgency: 'high',
  source: { name: 'Extension service' },
};
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('advice', () => {
  it('finds an entry by label', () => {
    const book = parseAdvice(enc({ formatVersion: 1, entries: { Tomato___Late_blight: entry, Broken: { name: 'x' } } }));
    expect(lookupAdvice(book, 'Tomato___Late_blight')).toEqual(entry);
    expect(lookupAdvice(book, 'Broken')).toBeNull();
    expect(lookupAdvice(book, 'Tomato___healthy')).toBeNull();
  });
  it('an empty, missing or unreadable advice file gives no advice, not an error', () => {
    expect(parseAdvice(enc({ source: 'fixture', entries: {} })).size).toBe(0);
    expect(parseAdvice(undefined).size).toBe(0);
    expect(parseAdvice(new TextEncoder().encode('{')).size).toBe(0);
  });
});
