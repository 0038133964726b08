/** Every way a bundle can be wrong, with a stable code the UI and tests can rely on. */
export type BundleErrorCode =
  | 'MANIFEST_MISSING'
  | 'MANIFEST_NOT_JSON'
  | 'UNSUPPORTED_FORMAT_VERSION'
  | 'MANIFEST_SCHEMA'
  | 'LABELS_INCONSISTENT'
  | 'SIGNATURE_MISSING'
  | 'UNTRUSTED_KEY'
  | 'SIGNATURE_INVALID'
  | 'FILE_MISSING'
  | 'FILE_SIZE_MISMATCH'
  | 'FILE_HASH_MISMATCH'
  | 'LABEL_COUNT_MISMATCH'
  | 'ADVICE_INVALID'
  | 'CONTENT_INVALID' // names.json or an advice.<lang>.json (src/content.ts)
  | 'MODEL_UNREADABLE'
  | 'MANIFEST_DUPLICATE_KEY'
  | 'LAYOUT_INVALID' // the backbone + heads layout (src/chain.ts)
  | 'ROLLBACK_REFUSED' // an older version without a signed rollback statement naming it (src/rollback.ts)
  | 'ROLLBACK_STATEMENT_INVALID'
  | 'MANIFEST_TOO_LARGE'
  // A bundle on disk holds regular files only (packages/bundle/src/node.ts).
  | 'FILE_IS_DIRECTORY'
  | 'FILE_IS_FIFO'
  | 'FILE_IS_DEVICE'
  | 'FILE_NOT_REGULAR'
  | 'FILE_OUTSIDE_BUNDLE';

export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(
    readonly code: BundleErrorCode,
    message: string,
    /** The bundle file the problem is in, when there is one. */
    readonly file?: string,
  ) {
    super(message);
  }
}
