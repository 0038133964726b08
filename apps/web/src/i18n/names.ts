// Human names of the model's classes in the farmer's language, from packages/bundle/content/names.json (the one
// source the trainer's bundle step checks too). A dataset spelling ("Pepper,_bell", "Haunglongbing") never reaches
// the screen or the voice: a class missing there is named by a cleaned-up label, never the raw one.
import names from '../../../../packages/bundle/content/names.json';
import { language } from './index.ts';

type Localized = Record<string, string>;
const crops = names.crops as Record<string, Localized>;
const classes = names.classes as Record<string, { scientific?: string; names: Localized }>;
const healthy = names.healthy as Localized;

function pick(byLang: Localized | undefined): string | undefined {
  return byLang?.[language()] ?? byLang?.en;
}

/** "Corn_(maize)___Common_rust_" -> "Common rust": a last resort for a class the names file does not know yet. */
function cleaned(text: string): string {
  const name = text
    .replace(/\(.*?\)/g, ' ')
    .replace(/[_,]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
}

export function cropOf(label: string): string {
  const sep = label.indexOf('___');
  return sep >= 0 ? label.slice(0, sep) : label;
}

export function isHealthyLabel(label: string): boolean {
  return /___healthy$/i.test(label);
}

/** The crop's common name: "Pepper,_bell" -> "Sweet pepper" / "Pimentão". */
export function cropName(crop: string): string {
  return pick(crops[crop]) ?? cleaned(crop);
}

/** The problem's common name: "Orange___Haunglongbing_(Citrus_greening)" -> "Citrus greening (HLB)". */
export function diseaseName(label: string): string {
  if (isHealthyLabel(label)) return pick(healthy) ?? 'Healthy';
  const known = pick(classes[label]?.names);
  if (known) return known;
  const sep = label.indexOf('___');
  return cleaned(sep >= 0 ? label.slice(sep + 3) : label);
}

/** The scientific name where it helps (a pathogen or pest), else undefined. */
export function scientificName(label: string): string | undefined {
  return classes[label]?.scientific;
}

/** Crop and problem together, for History and the voice: "Tomato: Late blight". */
export function fullName(label: string): string {
  return `${cropName(cropOf(label))}: ${diseaseName(label)}`;
}
