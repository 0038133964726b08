// How a result is said to the farmer: class names from the names catalogue (i18n/names.ts), certainty in words.
import type { MessageKey } from '../../../i18n/index.ts';

export { cropName, diseaseName, fullName, isHealthyLabel as isHealthy, scientificName } from '../../../i18n/names.ts';

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

/** Alternatives worth showing: another class with real probability (5% or more), never a near-zero one. */
export function shownAlternatives<T extends { label: string; probability: number }>(alternatives: T[], top?: string): T[] {
  return alternatives.filter((a) => a.label !== top && a.probability >= 0.05);
}
