// The inference worker's interface, as the page sees it through Comlink.
// Owned by workers/inference; apps/web imports only this type and the worker URL.
import type { BundleContent } from '@leafcheck/bundle';
import type { Diagnosis } from '@leafcheck/diagnosis/types';

export type { BundleContent };

export type BackendName = 'wasm' | 'webgpu';

export interface BackendReport {
  name: BackendName;
  threads: number;
  /** Why this backend, in words a maintainer can read in Settings ("WebGPU self-test: max diff 3e-6, 2.1x faster"). */
  reason: string;
}

export interface LoadedBundle {
  bundleVersion: string;
  /** Crop names the farmer may choose from, in display order. */
  crops: string[];
  /** Every disease class by crop, for the "wrong, it is..." picker. */
  taxonomy: Record<string, string[]>;
  /** The bundle's class names and advice translations (empty for bundles that ship none). */
  content: BundleContent;
  backend: BackendReport;
  /** ms from load() call to sessions ready. */
  loadMs: number;
  /** Where loadMs went (fetchAndVerify, runtimeAndSessions, backendChoice), for Settings and the benchmark. */
  stagesMs?: Record<string, number>;
}

export interface DiagnoseOptions {
  crop?: string;
  /** A newer request with the same key cancels an older one still running. */
  requestKey?: string;
  /** Also return where the model looked (Diagnosis.heatmap); without it the maps are never computed or sent. */
  heatmap?: boolean;
}

/** Errors cross the worker boundary as Error with one of these codes in `name`. */
export type InferenceErrorCode =
  | 'BUNDLE_INVALID' // verification failed (message says which file)
  | 'BUNDLE_UNAVAILABLE' // not cached and offline
  | 'IMAGE_UNREADABLE' // corrupt, truncated, empty, or not an image
  | 'IMAGE_UNSUPPORTED' // e.g. HEIC where the browser cannot decode it
  | 'IMAGE_TOO_LARGE' // over the byte or pixel limit
  | 'IMAGE_TOO_SMALL' // a side under MIN_PHOTO_SIDE (packages/diagnosis/src/limits.ts)
  | 'IMAGE_NOT_A_PHOTO' // text, HTML, PDF, TIFF...: no image format this app reads
  | 'CROP_UNKNOWN' // options.crop is not a crop of the loaded bundle
  | 'CANCELLED'
  | 'MODEL_FAILED';

export interface LoadOptions {
  /**
   * Public keys to trust besides the app's shipped ones (DEFAULT_TRUSTED_KEYS): a bundle the user
   * trained and signed on this machine, or a test fixture. Same shape as @leafcheck/bundle's TrustedKey.
   */
  trustedKeys?: { keyId: string; publicKeyHex: string; owner?: string }[];
  /**
   * A downloaded bundle (model-update): file name -> sha256 in the model file store, manifest.json included;
   * baseUrl is then ignored. Absent: the files come over fetch from baseUrl (the embedded bundle).
   */
  files?: Record<string, string>;
  /** Rollback protection for a new download: refused when older than highestVerified without a statement naming it. */
  rollback?: { highestVerified: string | null; rollback?: unknown };
}

export interface InferenceWorkerApi {
  /** Fetch (or read from cache), verify and start the bundle at baseUrl (ending in '/'). */
  load(baseUrl: string, options?: LoadOptions): Promise<LoadedBundle>;
  /** Diagnose one or more photos of the same plant (encoded file bytes). */
  diagnose(photos: ArrayBuffer[], options?: DiagnoseOptions): Promise<Diagnosis>;
  cancel(requestKey: string): Promise<void>;
}
