export type { ModelKind } from '@leafcheck/bundle';
export { type AdviceBook, lookupAdvice, parseAdvice } from './advice.ts';
export { calibratedSoftmax, pick } from './calibrate.ts';
export { argmax, countAgreeing, meanProbabilities } from './combine.ts';
export { type CropReading, type Decision, decide, ranked, readCrop, type Thresholds } from './decide.ts';
export { DiagnosisError, type DiagnosisErrorCode, throwIfAborted } from './errors.ts';
export { type Orientation, readExifOrientation } from './exif.ts';
export { heatmapOf, peakOf } from './heatmap.ts';
export { type RawImage, type RgbImage, toRgb } from './image.ts';
export {
  BROWSER_MAX_PIXELS,
  checkPhotoBytes,
  checkPhotoDimensions,
  checkPhotoNotTiny,
  MAX_PHOTO_BYTES,
  MIN_PHOTO_SIDE,
  megabytes,
  NODE_MAX_PIXELS,
} from './limits.ts';
export {
  createModelRunner,
  type Feed,
  type GraphSession,
  type InputDims,
  type Logits,
  type ModelRunner,
  type OpenSession,
  ORT_SESSION_CONFIG,
  type OrtBinding,
  type Output,
  ortSessions,
  type ReleasableRunner,
  type RunOptions,
} from './model-runner.ts';
export { applyOrientation } from './orient.ts';
export { createPipeline, DEFAULT_MAX_BYTES, type DiagnoseRequest, type Pipeline, type PipelineOptions } from './pipeline.ts';
export { type DecodeRequest, type ImageDecoder, jpegDecodeScale } from './platform.ts';
export { centerCropResize, centerSquare } from './resize.ts';
export { runSelfTest, SELF_TEST_IMAGES, selfTestImage, topOf } from './self-test.ts';
export { type ImageFormat, type ImageHeader, readImageHeader } from './sniff.ts';
export type * from './types.ts';
