// Generated from schema/advice.schema.json by scripts/generate-types.ts. Do not edit.

/**
 * One short, plain sentence for a farmer.
 */
export type AdviceLine = string;
/**
 * How soon to act: none (healthy / no leaf), low, medium, high (act today).
 */
export type AdviceUrgency = 'none' | 'low' | 'medium' | 'high';

/**
 * advice.json of a Leafcheck model bundle: rule-based advice for every class the models can answer. The single source of truth for TypeScript and Python.
 */
export interface Advice {
  /**
   * Version of this advice format; readers refuse versions they do not know.
   */
  formatVersion: 1;
  /**
   * Label -> advice: every disease class (Crop___Disease, healthy ones included) and the not-a-leaf label.
   */
  entries: {
    [k: string]: AdviceEntry;
  };
}
export interface AdviceEntry {
  /**
   * Plain name, e.g. "Late blight".
   */
  name: string;
  summary: AdviceLine;
  /**
   * What to look for on the plant to confirm.
   *
   * @minItems 1
   * @maxItems 8
   */
  symptoms: AdviceLine[];
  /**
   * What to do now.
   *
   * @minItems 1
   * @maxItems 8
   */
  actions: AdviceLine[];
  /**
   * How to avoid it next time (or keep the plant healthy).
   *
   * @minItems 1
   * @maxItems 8
   */
  prevention: AdviceLine[];
  urgency: AdviceUrgency;
  source: AdviceSource;
}
/**
 * Where the advice comes from (extension service, publication).
 */
export interface AdviceSource {
  name: string;
  url?: string;
}
