// packages/bundle/content: class names and advice translations match their schemas (the same files the trainer's
// tests validate with Python's jsonschema), every advice translation has the English entry's line counts and a name
// for its class, and every language the names file lists is there for every class.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const read = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));
const names = read('content/names.json');
const english = read('../../trainer/advice/advice.json').entries as Record<string, { actions: string[]; symptoms: string[] }>;
const translations = readdirSync(join(ROOT, 'content/advice')).map((f) => [f, read(`content/advice/${f}`)] as const);

describe('bundle content', () => {
  it('names.json matches names.schema.json and names every class in every language it lists', () => {
    const result = new Validator(read('schema/names.schema.json'), '2020-12').validate(names);
    expect(result.errors).toEqual([]);
    for (const [label, entry] of Object.entries(names.classes as Record<string, { names: Record<string, string> }>))
      expect(Object.keys(entry.names).sort(), label).toEqual([...names.languages].sort());
    for (const [crop, byLang] of Object.entries(names.crops as Record<string, Record<string, string>>))
      expect(Object.keys(byLang).sort(), crop).toEqual([...names.languages].sort());
  });

  it('the schema refuses a dataset spelling as a name', () => {
    const bad = structuredClone(names);
    bad.crops['Pepper,_bell'].en = 'Pepper,_bell';
    expect(new Validator(read('schema/names.schema.json'), '2020-12').validate(bad).valid).toBe(false);
  });

  it.each(translations)('%s matches advice-translation.schema.json and follows the English advice', (file, doc) => {
    const result = new Validator(read('schema/advice-translation.schema.json'), '2020-12').validate(doc);
    expect(result.errors).toEqual([]);
    expect(file).toBe(`${doc.language}.json`);
    expect(names.languages).toContain(doc.language);
    for (const [label, entry] of Object.entries(doc.entries as Record<string, { actions: string[]; symptoms: string[] }>)) {
      expect(english, label).toHaveProperty([label]);
      expect(entry.actions.length, `${label} actions`).toBe(english[label]?.actions.length);
      expect(entry.symptoms.length, `${label} symptoms`).toBe(english[label]?.symptoms.length);
    }
  });
});
