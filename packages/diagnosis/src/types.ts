// The diagnosis result every consumer (worker, CLI, PWA, API feedback) shares.
// Owned by packages/diagnosis; change only with its consumers in the same commit.

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

export interface AdviceEntry {
  /** What to look for on the plant to confirm. */
  symptoms: string[];
  /** What to do now. */
  actions: string[];
  prevention: string[];
  /** Where the advice comes from (extension service, publication). */
  source: { name: string; url?: string };
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
