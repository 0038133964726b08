// The one bridge from the page to the inference worker (Comlink). The bundle loads once and is shared.
import type { Diagnosis } from '@leafcheck/diagnosis/types';
import InferenceWorker from '@leafcheck/inference-worker?worker';
import { type Remote, wrap } from 'comlink';
import type {
  DiagnoseOptions,
  InferenceErrorCode,
  InferenceWorkerApi,
  LoadedBundle,
  LoadOptions,
} from '../../../../workers/inference/src/api.ts';
import { setRunningContent } from '../i18n/bundle-content.ts';

export const BUNDLE_BASE_URL = new URL('bundles/default/', document.baseURI).href;

let api: Remote<InferenceWorkerApi> | undefined;
let loaded: Promise<LoadedBundle> | undefined;

function worker(): Remote<InferenceWorkerApi> {
  api ??= wrap<InferenceWorkerApi>(new InferenceWorker());
  return api;
}

const trustedKeys = __EXTRA_TRUSTED_KEYS__.length ? { trustedKeys: __EXTRA_TRUSTED_KEYS__ } : {};

/** Which bundle to run: a downloaded one (model-update), or the one built into the app. */
export interface BundleChoice {
  /** File name -> sha256 in the model file store; absent: the embedded bundle. */
  files?: Record<string, string>;
  rollback?: LoadOptions['rollback'];
}

let choose: () => Promise<BundleChoice> = async () => ({});

/** model-update tells this module which bundle the phone runs (read once, when the first load starts). */
export function setBundleChoice(chooser: () => Promise<BundleChoice>): void {
  choose = chooser;
}

async function load(choice: BundleChoice): Promise<LoadedBundle> {
  const bundle = await worker().load(BUNDLE_BASE_URL, { ...trustedKeys, ...choice });
  setRunningContent(bundle.content); // names and advice translations now come with this bundle
  return bundle;
}

export function loadBundle(): Promise<LoadedBundle> {
  loaded ??= choose()
    .then((choice) => load(choice).catch((error: unknown) => (choice.files ? load({}) : Promise.reject(error))))
    .catch((error: unknown) => {
      loaded = undefined; // let the next attempt (e.g. after coming online) try again
      throw error;
    });
  return loaded;
}

/**
 * Loads another bundle in new sessions (the worker verifies and self-tests it first) and switches to it; a
 * diagnosis already running finishes on the old one. On failure the old bundle stays loaded and this throws.
 */
export async function switchBundle(choice: BundleChoice): Promise<LoadedBundle> {
  await loaded?.catch(() => undefined);
  const next = load(choice);
  await next;
  loaded = next;
  return next;
}

/** The bundle if it already loaded, without starting a load. */
export function loadedBundle(): Promise<LoadedBundle> | undefined {
  return loaded;
}

export async function diagnose(photos: ArrayBuffer[], options: DiagnoseOptions = {}): Promise<Diagnosis> {
  await loadBundle();
  return worker().diagnose(photos, options);
}

export function cancel(requestKey: string): Promise<void> {
  return worker().cancel(requestKey);
}

const CODES: InferenceErrorCode[] = [
  'BUNDLE_INVALID',
  'BUNDLE_UNAVAILABLE',
  'IMAGE_UNREADABLE',
  'IMAGE_UNSUPPORTED',
  'IMAGE_TOO_LARGE',
  'IMAGE_TOO_SMALL',
  'IMAGE_NOT_A_PHOTO',
  'CROP_UNKNOWN',
  'CANCELLED',
  'MODEL_FAILED',
];

export function inferenceErrorCode(error: unknown): InferenceErrorCode | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return CODES.find((code) => code === name);
}
