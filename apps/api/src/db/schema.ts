// Table types for Kysely. Portable subset of SQL: text, integer, double precision; times are
// ISO-8601 UTC strings (sortable as text), booleans are 0/1 integers, JSON is text.
export interface FeedbackTable {
  id: string;
  device_id: string;
  app_version: string;
  bundle_version: string;
  prediction_kind: string;
  predicted_crop: string | null;
  /** Top-1 label and its calibrated probability, denormalised for the review order and stats. */
  predicted_label: string;
  predicted_probability: number;
  top_k_json: string;
  verdict: 'right' | 'wrong' | 'not-sure';
  corrected_label: string | null;
  note: string | null;
  has_photo: number;
  lat: number | null;
  lon: number | null;
  diagnosed_at: string;
  created_at: string;
  received_at: string;
  token_id: string;
}

/** Every column of the feedback table, in migration order; reads and the SQLite hot-path insert share it. */
export const FEEDBACK_COLUMNS = [
  'id',
  'device_id',
  'app_version',
  'bundle_version',
  'prediction_kind',
  'predicted_crop',
  'predicted_label',
  'predicted_probability',
  'top_k_json',
  'verdict',
  'corrected_label',
  'note',
  'has_photo',
  'lat',
  'lon',
  'diagnosed_at',
  'created_at',
  'received_at',
  'token_id',
] as const satisfies readonly (keyof FeedbackTable)[];

export interface ReviewTable {
  feedback_id: string;
  /** 'label': the agronomist gave `label`; 'unusable': photo cannot be labelled; 'skip': look again later. */
  decision: 'label' | 'unusable' | 'skip';
  label: string | null;
  reviewer_token_id: string;
  reviewed_at: string;
}

export interface SuggestionTable {
  feedback_id: string;
  status: 'ok' | 'error';
  model: string | null;
  suggestion_json: string | null;
  error: string | null;
  created_at: string;
}

export interface TokenTable {
  id: string;
  role: 'device' | 'agronomist' | 'maintainer';
  /** sha256 hex of the secret token; the token itself is never stored. */
  hash: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

export interface RetrainRunTable {
  id: string;
  backend: string;
  external_id: string | null;
  state: 'running' | 'succeeded' | 'failed' | 'published';
  active: 'active' | null;
  version: string;
  dir: string;
  error: string | null;
  started_by: string;
  started_at: string;
  finished_at: string | null;
  published_at: string | null;
  /** 'head' | 'full'; null on runs from before migration 0004 (they were full runs). */
  kind: string | null;
  export_sha256: string | null;
  feedback_records: number | null;
  feedback_skipped_json: string | null;
  wall_seconds: number | null;
  cpu_seconds: number | null;
  gpu_seconds: number | null;
  cost_usd: number | null;
}

export interface ReviewPriorityTable {
  feedback_id: string;
  /** Why it is first, e.g. "disagreement:<run id>". */
  reason: string;
  created_at: string;
}

export interface TranslationFlagTable {
  id: string;
  /** The class whose advice translation is flagged, e.g. Tomato___Late_blight. */
  label: string;
  /** The translation's language code (sw, fr, es, pt, hi...). */
  language: string;
  note: string | null;
  flagged_by: string;
  flagged_at: string;
}

export interface Database {
  feedback: FeedbackTable;
  review: ReviewTable;
  suggestion: SuggestionTable;
  api_token: TokenTable;
  retrain_run: RetrainRunTable;
  review_priority: ReviewPriorityTable;
  translation_flag: TranslationFlagTable;
}
