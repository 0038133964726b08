/** The pipeline's own error codes: a subset of the worker's InferenceErrorCode, same spelling. */
export type DiagnosisErrorCode =
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_UNSUPPORTED'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_TOO_SMALL' // a side under MIN_PHOTO_SIDE (limits.ts)
  | 'IMAGE_NOT_A_PHOTO' // text, HTML, PDF, TIFF...: no image format this app reads
  | 'CROP_UNKNOWN' // options.crop is not a crop of this bundle
  | 'CANCELLED'
  | 'MODEL_FAILED';

export class DiagnosisError extends Error {
  constructor(
    readonly code: DiagnosisErrorCode,
    message: string,
    /** What the farmer can do about it, in plain words. */
    readonly advice?: string,
  ) {
    super(message);
    // Comlink and structured clone keep `name` and `message` only: the code travels in `name`.
    this.name = code;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DiagnosisError('CANCELLED', 'cancelled by a newer request');
}
