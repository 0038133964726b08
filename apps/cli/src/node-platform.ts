// Node's side of the pipeline: sharp decodes (offline, prebuilt libvips from npm), onnxruntime-node runs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TrustedKey, VerifiedBundle } from '@leafcheck/bundle';
import { trustedKeysWithLocal } from '@leafcheck/bundle/node';
import {
  createModelRunner,
  createPipeline,
  DiagnosisError,
  type ImageDecoder,
  jpegDecodeScale,
  type ModelRunner,
  NODE_MAX_PIXELS,
  ORT_SESSION_CONFIG,
  ortSessions,
  type Pipeline,
  type ReleasableRunner,
} from '@leafcheck/diagnosis';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { verifyWithRollbackProtection } from './rollback-guard.ts';

// The pixel limit is stated with the other photo limits (packages/diagnosis/src/limits.ts).
export { NODE_MAX_PIXELS };

export const DEFAULT_BUNDLE_DIR = fileURLToPath(new URL('../../../bundles/default/', import.meta.url));

export const sharpDecoder: ImageDecoder = {
  maxPixels: NODE_MAX_PIXELS,
  // sharp rotates only when asked (.rotate()); the pipeline's own EXIF step does it, as in the browser.
  appliesExifOrientation: false,
  async decode(bytes, { header, minShortSide }) {
    // libvips has no BMP loader: say so plainly instead of passing its "unsupported image format" on.
    if (header.format === 'bmp') {
      throw new DiagnosisError(
        'IMAGE_UNSUPPORTED',
        'BMP images cannot be read here',
        'Open the photo in your gallery and share or save it as JPEG, then try again.',
      );
    }
    try {
      let img = sharp(bytes, { limitInputPixels: NODE_MAX_PIXELS, failOn: 'warning' });
      const f = header.format === 'jpeg' ? jpegDecodeScale(header.width, header.height, minShortSide) : 1;
      if (f > 1) {
        // With a whole-factor target libvips decodes at 1/f straight from the DCT (shrink-on-load):
        // the full-size image never exists in memory.
        img = img.resize(Math.ceil(header.width / f), Math.ceil(header.height / f), { fit: 'fill', kernel: 'nearest' });
      }
      // CMYK and grey to sRGB; alpha is kept and composited by the pipeline.
      const { data, info } = await img.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      return {
        width: info.width,
        height: info.height,
        channels: info.channels as 3 | 4,
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      };
    } catch (err) {
      throw new DiagnosisError('IMAGE_UNREADABLE', `the photo could not be decoded: ${(err as Error).message}`, 'Take the photo again.');
    }
  },
};

/**
 * No spin-waiting in onnxruntime's thread pool: between the two small models the idle threads
 * would otherwise spin and take the cores from sharp and the JS steps (2.4x slower end to end,
 * measured on the 2-core dev machine).
 */
const NODE_SESSION_CONFIG = { ...ORT_SESSION_CONFIG, intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } };

/** `options.extra.session` entries are merged over the defaults above (a bench or test can flip one entry). */
export function createNodeRunner(bundle: VerifiedBundle, options: ort.InferenceSession.SessionOptions = {}): Promise<ReleasableRunner> {
  const session = { ...NODE_SESSION_CONFIG, ...(options.extra?.session as Record<string, unknown> | undefined) };
  const merged = { interOpNumThreads: 1, ...options, extra: { ...options.extra, session } };
  return createModelRunner(
    bundle,
    ortSessions({
      createSession: (bytes) => ort.InferenceSession.create(bytes, merged),
      tensor: (data, dims) => new ort.Tensor(data, dims),
    }),
  );
}

/** A public key file ({ keyId, publicKeyHex }, as the fixtures' *.key.json) to trust besides the shipped ones. */
export function readKeyFile(path: string): TrustedKey {
  const k = JSON.parse(readFileSync(path, 'utf8')) as TrustedKey;
  if (typeof k.keyId !== 'string' || typeof k.publicKeyHex !== 'string') throw new Error(`${path} is not a public key file`);
  return { keyId: k.keyId, publicKeyHex: k.publicKeyHex, owner: k.owner ?? path };
}

/** Verifies the bundle in `dir` against the shipped keys, this machine's key and any extra keys. */
export async function loadBundle(dir: string, extraKeys: readonly TrustedKey[] = []): Promise<VerifiedBundle> {
  if (!existsSync(dir)) throw new Error(`no bundle at ${dir} (pass --bundle DIR)`);
  return verifyWithRollbackProtection(dir, [...trustedKeysWithLocal(), ...extraKeys]);
}

export async function createNodePipeline(
  dir: string,
  extraKeys: readonly TrustedKey[] = [],
): Promise<{ pipeline: Pipeline; bundle: VerifiedBundle; runner: ModelRunner; release(): Promise<void> }> {
  const bundle = await loadBundle(dir, extraKeys);
  const runner = await createNodeRunner(bundle);
  return { pipeline: createPipeline(bundle, runner, sharpDecoder), bundle, runner, release: runner.release };
}
