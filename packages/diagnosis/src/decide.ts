import type { BundleManifest } from '@leafcheck/bundle';
import { DiagnosisError } from './errors.ts';
import type { LabelProbability, NotSureReason } from './types.ts';

export type Thresholds = BundleManifest['thresholds'];

/** Labels with their probabilities, highest first. */
export function ranked(labels: readonly string[], probs: ArrayLike<number>): LabelProbability[] {
  return labels.map((label, i) => ({ label, probability: probs[i] as number })).sort((a, b) => b.probability - a.probability);
}

export interface CropReading {
  crop: string;
  /** Species probability of that crop (not renormalised: not-a-leaf keeps its share). */
  probability: number;
  chosen: boolean;
}

/** The farmer's crop when given (it must be one the bundle knows), else the species model's top crop. */
export function readCrop(
  crops: readonly LabelProbability[],
  taxonomyCrops: Readonly<Record<string, readonly string[]>>,
  chosenCrop: string | undefined,
): CropReading {
  if (chosenCrop !== undefined) {
    if (!(chosenCrop in taxonomyCrops)) {
      throw new DiagnosisError(
        'CROP_UNKNOWN',
        `this model bundle does not know the crop "${chosenCrop}"`,
        `Choose one of: ${Object.keys(taxonomyCrops).join(', ')}.`,
      );
    }
    const p = crops.find((c) => c.label === chosenCrop)?.probability ?? 0;
    return { crop: chosenCrop, probability: p, chosen: true };
  }
  const top = crops.find((c) => c.label in taxonomyCrops);
  if (!top) throw new DiagnosisError('MODEL_FAILED', 'the species model gave no crop');
  return { crop: top.label, probability: top.probability, chosen: false };
}

export type Decision = { kind: 'diagnosis' } | { kind: 'not-sure'; reason: NotSureReason };

/**
 * The rules, in order: no leaf; crop unclear (only when the farmer did not choose it); two
 * diseases within the margin (checked before the threshold: with threshold t and margin m,
 * a gap under m is the more useful thing to say, "it is A or B"); below the disease threshold.
 */
export function decide(notALeaf: number, crop: CropReading, diseases: readonly LabelProbability[], t: Thresholds): Decision {
  if (notALeaf >= t.notALeaf) return { kind: 'not-sure', reason: 'not-a-leaf' };
  if (!crop.chosen && crop.probability < t.crop) return { kind: 'not-sure', reason: 'crop-unclear' };
  const [first, second] = diseases;
  if (!first) return { kind: 'not-sure', reason: 'low-confidence' };
  if (second && first.probability - second.probability < t.margin) return { kind: 'not-sure', reason: 'too-close' };
  if (first.probability < t.disease) return { kind: 'not-sure', reason: 'low-confidence' };
  return { kind: 'diagnosis' };
}
