// The reviewed-feedback export (GET /v1/export): one JSON schema, read here by the API and by the trainer
// (trainer/sources/feedback.py) through jsonschema. Photos are `photos/<record id>.jpg`; labels live only in
// export.json, so no label ever becomes a tar entry name.
import { Validator } from '@cfworker/json-schema';
import schema from '../schema/feedback-export.schema.json' with { type: 'json' };

export const FEEDBACK_EXPORT_ROOT = 'leafcheck-feedback';
export const FEEDBACK_EXPORT_FORMAT = 'leafcheck-feedback-export';

export interface FeedbackExportRecord {
  id: string;
  photo: string;
  sha256: string;
  label: string;
  /** The agronomist declared the label as a class the served bundle does not know. */
  newClass: boolean;
  /** device:<device id>/<UTC day>: the trainer keeps one group on one side of its split. */
  leafGroup: string;
  review: { decision: 'label'; reviewedAt: string; reviewer: string };
  model: { bundleVersion: string; label: string; probability: number };
  farmer: { verdict: 'right' | 'wrong' | 'not-sure' };
}

export interface FeedbackExport {
  format: typeof FEEDBACK_EXPORT_FORMAT;
  formatVersion: 1;
  createdAt: string;
  servedBundle: { version: string; labels: string[] } | null;
  records: FeedbackExportRecord[];
}

const validator = new Validator(schema as object, '2020-12', false);

/** The first schema errors of `data` as "path: message" lines; empty when it is a valid export.json. */
export function feedbackExportErrors(data: unknown): string[] {
  const result = validator.validate(data);
  if (result.valid) return [];
  // The deepest errors say what is wrong; the outer ones only say that a subschema failed.
  const deepest = result.errors.filter(
    (e) => !result.errors.some((o) => o !== e && o.instanceLocation.startsWith(`${e.instanceLocation}/`)),
  );
  return deepest.slice(0, 5).map((e) => `${e.instanceLocation || '/'}: ${e.error}`);
}

export function photoPath(id: string): string {
  return `photos/${id}.jpg`;
}

/** The label rules of the schema, for a review route to refuse a label before it is stored. */
export const LABEL_MAX_LENGTH = 128;
const labelPattern = new RegExp(schema.$defs.label.pattern, 'u');
const newClassPattern = new RegExp(schema.$defs.newClassLabel.pattern, 'u');

/** Why `label` cannot be exported (as a known label, or as a declared new class), or null when it can. */
export function labelProblem(label: string, newClass: boolean): string | null {
  if ([...label].length > LABEL_MAX_LENGTH) return `a label has at most ${LABEL_MAX_LENGTH} characters (this one has ${[...label].length})`;
  if ([...label].length < 3 || !labelPattern.test(label))
    return 'a label is a class name such as Tomato___Late_blight: no slash, backslash or control character, no leading dot, underscore or space';
  if (newClass && !newClassPattern.test(label))
    return 'a new class is named Crop___Disease, each part 1-60 characters, e.g. Cassava___Mosaic_disease';
  return null;
}
