// What the platform (browser worker or Node) plugs into the pipeline: a decoder (and a model runner, model-runner.ts).
import type { RawImage } from './image.ts';
import type { ImageHeader } from './sniff.ts';

export interface DecodeRequest {
  header: ImageHeader;
  /**
   * The pipeline never needs more than this on the short side. A decoder that can downscale
   * while decoding (JPEG DCT scaling) may shrink by a whole factor as long as the short side stays
   * at or above it; the final resize is the pipeline's own, identical on every platform.
   */
  minShortSide: number;
}

export interface ImageDecoder {
  /** Largest width x height this decoder will accept, checked from the header before decoding. */
  readonly maxPixels: number;
  /** True when decode() already turned the photo upright by its EXIF orientation. */
  readonly appliesExifOrientation: boolean;
  /** Pixels as stored; throws DiagnosisError for images it cannot read. */
  decode(bytes: Uint8Array, request: DecodeRequest): Promise<RawImage>;
}

/**
 * The whole downscale factor (1, 2, 4 or 8) a decoder may apply while decoding a JPEG: the largest
 * that keeps the short side at or above minShortSide. The same rule on every platform, so the
 * pixels that reach the final resize differ only by the decoders' filters.
 */
export function jpegDecodeScale(width: number, height: number, minShortSide: number): number {
  let f = 1;
  while (f < 8 && Math.floor(Math.min(width, height) / (f * 2)) >= minShortSide) f *= 2;
  return f;
}
