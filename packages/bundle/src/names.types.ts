// Generated from schema/names.schema.json by scripts/generate-types.ts. Do not edit.

export type Language = string;
export type Name = string;

/**
 * packages/bundle/content/names.json: the human name of every class in every language the app speaks, keyed by class id (the bundle's labels). The single source of truth for the app (TypeScript) and the trainer's tests (Python).
 */
export interface ClassNames {
  formatVersion: 1;
  /**
   * @minItems 1
   */
  languages: Language[];
  /**
   * Crop label (the part before ___, and the not-a-leaf label) -> its common name per language.
   */
  crops: {
    [k: string]: Localized;
  };
  healthy: Localized1;
  /**
   * Disease class (Crop___Disease, healthy ones excluded) -> common names and, where it helps, the scientific name.
   */
  classes: {
    [k: string]: {
      scientific?: string;
      names: Localized;
    };
  };
}
export interface Localized {
  [k: string]: Name;
}
/**
 * The name of every *___healthy class.
 */
export interface Localized1 {
  [k: string]: Name;
}
