// The diagnosis result every consumer (worker, CLI, PWA, API feedback) shares.
// Owned by packages/diagnosis; change only with its consumers in the same commit.
import type { AdviceEntry } from '@leafcheck/bundle';

export interface LabelProbability {
  label: string;
  /** Calibrated probability, 0..1. */
  probability: number;
}

export type NotSureReason =
  | 'not-a-leaf' // the species model says there is no leaf
  | 'crop-unclear' // no crop chosen and the top crop is below the crop threshold
  | 'too-close' // the top two diseases are within the margin
  | 'low-confidence'; // the top disease is below the disease threshold

// Advice shown with a result: the entry for the label from the bundle's advice.json (schema in packages/bundle).
export type { AdviceEntry };

/**
 * Where the evidence for `label` lay in the photo's centre square (the part the model saw): a height x width grid,
 * row-major, values 0..1 (1 = the strongest cell). Present only when the caller asked for it.
 */
export interface Heatmap {
  label: string;
  width: number;
  height: number;
  values: number[];
}

interface DiagnosisBase {
  /** How many photos were combined into this answer, and how many agreed with it. */
  photos: { total: number; agreeing: number };
  /** Crop the farmer chose, if any. */
  chosenCrop?: string;
  /** Species model: crop probabilities (not-a-leaf included), highest first. */
  crops: LabelProbability[];
  /** Disease model, within the chosen or predicted crop, highest first (top 3). */
  alternatives: LabelProbability[];
  bundleVersion: string;
  /** Wall time of the whole pipeline, ms. */
  elapsedMs: number;
  /** For the top disease, on the first leaf photo, when asked for (DiagnoseRequest.heatmap) and the bundle has maps. */
  heatmap?: Heatmap;
  /** Where elapsedMs went: decoding, EXIF/crop/resize, the two models (all photos together). */
  stagesMs?: { decode: number; preprocess: number; models: number };
}

export interface ConfidentDiagnosis extends DiagnosisBase {
  kind: 'diagnosis';
  crop: string;
  /** PlantVillage-style label, e.g. "Tomato___Late_blight". */
  disease: string;
  probability: number;
  advice: AdviceEntry | null;
}

export interface NotSureDiagnosis extends DiagnosisBase {
  kind: 'not-sure';
  reason: NotSureReason;
  /** Best guess, shown as "possibly", if there is one. */
  crop?: string;
  disease?: string;
  probability?: number;
  advice: AdviceEntry | null;
}

export type Diagnosis = ConfidentDiagnosis | NotSureDiagnosis;
