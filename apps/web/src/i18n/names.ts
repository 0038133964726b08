// Human names of the model's classes in the farmer's language, from the running bundle's names.json (checked by the
// bundle verifier: every class named in every language), else the app's own copy (i18n/bundle-content.ts). A dataset
// spelling ("Pepper,_bell", "Haunglongbing") never reaches the screen or the voice: a class missing in both is named
// by a cleaned-up label, never the raw one.
import { namesSources } from './bundle-content.ts';
import { language } from './index.ts';

type Localized = Record<string, string>;

/** The first names file that knows `what`, in the farmer's language (else its English name). */
function pick(what: (names: ReturnType<typeof namesSources>[number]) => Localized | undefined): string | undefined {
  for (const names of namesSources()) {
    const byLang = what(names);
    const name = byLang?.[language()] ?? byLang?.en;
    if (name) return name;
  }
  return undefined;
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
  return pick((n) => n.crops[crop]) ?? cleaned(crop);
}

/** The problem's common name: "Orange___Haunglongbing_(Citrus_greening)" -> "Citrus greening (HLB)". */
export function diseaseName(label: string): string {
  if (isHealthyLabel(label)) return pick((n) => n.healthy) ?? 'Healthy';
  const known = pick((n) => n.classes[label]?.names);
  if (known) return known;
  const sep = label.indexOf('___');
  return cleaned(sep >= 0 ? label.slice(sep + 3) : label);
}

/** The scientific name where it helps (a pathogen or pest), else undefined. */
export function scientificName(label: string): string | undefined {
  // The first source that gives one: a bundle may name a class in every language yet leave its pathogen to ours.
  for (const names of namesSources()) {
    const scientific = names.classes[label]?.scientific;
    if (scientific) return scientific;
  }
  return undefined;
}

/** Crop and problem together, for History and the voice: "Tomato: Late blight". */
export function fullName(label: string): string {
  return `${cropName(cropOf(label))}: ${diseaseName(label)}`;
}
