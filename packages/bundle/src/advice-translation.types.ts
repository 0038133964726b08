// Generated from schema/advice-translation.schema.json by scripts/generate-types.ts. Do not edit.

/**
 * @minItems 1
 * @maxItems 8
 */
export type Lines = string[];

/**
 * packages/bundle/content/advice/<lang>.json: the advice of advice.json in one other language, per class, each entry with its review status (shown to the farmer). The single source of truth for TypeScript and Python.
 */
export interface AdviceTranslation {
  formatVersion: 1;
  language: string;
  entries: {
    [k: string]: {
      /**
       * unreviewed: translated, not yet checked by an agronomist; flagged: an agronomist asked for a check; reviewed: checked.
       */
      status: 'unreviewed' | 'flagged' | 'reviewed';
      symptoms: Lines;
      actions: Lines;
      prevention: Lines;
    };
  };
}
