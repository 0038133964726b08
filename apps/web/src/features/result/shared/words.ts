// How a result is said to the farmer: label names without dataset punctuation, certainty in words.
import type { MessageKey } from '../../../i18n/index.ts';

/** "Corn_(maize)" -> "Corn (maize)", "Pepper,_bell" -> "Pepper, bell". */
export function cropName(crop: string): string {
  return crop.replace(/_+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** "Tomato___Late_blight" -> "Late blight"; "Corn_(maize)___Common_rust_" -> "Common rust"; healthy -> "Healthy". */
export function diseaseName(label: string): string {
  const sep = label.indexOf('___');
  const name = (sep >= 0 ? label.slice(sep + 3) : label).replace(/_+/g, ' ').replace(/\s+/g, ' ').trim();
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export function isHealthy(label: string): boolean {
  return /___healthy$/i.test(label);
}

/** Words for a calibrated probability. The app only says "very likely" when the model is right that often. */
export function certaintyKey(probability: number): MessageKey {
  if (probability >= 0.85) return 'result.veryLikely';
  if (probability >= 0.6) return 'result.likely';
  return 'result.possibly';
}

/**
 * Whole percent, rounded down and never "100%": the app never overstates how sure the model is
 * (a model is never certain), and a guess just under the bundle's threshold never reads as the threshold.
 */
export function percent(probability: number): number {
  return Math.min(99, Math.floor(Math.min(1, Math.max(0, probability)) * 100));
}
