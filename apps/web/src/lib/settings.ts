// Settings kept in IndexedDB (not localStorage) so the service worker can read them for Background Sync.
import { getMeta, setMeta } from './db.ts';
import { uuidv7 } from './uuidv7.ts';

export interface Settings {
  /** The farmer's choice of language; empty: the first of the browser's languages the app speaks. */
  language: string;
  /** API origin, no trailing /v1. Empty: feedback stays queued on the phone. */
  apiBase: string;
  deviceToken: string;
  reviewToken: string;
  /** Which release channel of model bundles this phone follows (beta gets new models first). */
  modelChannel: 'stable' | 'beta';
  /** Show "where the model looked" on results; off, the maps are never computed. */
  showHeatmap: boolean;
}

export const APP_VERSION: string = import.meta.env.VITE_APP_VERSION ?? '0.1.0';

const defaults: Settings = {
  language: '',
  apiBase: import.meta.env.VITE_API_BASE ?? 'http://localhost:8787',
  deviceToken: import.meta.env.VITE_DEVICE_TOKEN ?? '',
  reviewToken: '',
  modelChannel: import.meta.env.VITE_MODEL_CHANNEL === 'beta' ? 'beta' : 'stable',
  showHeatmap: false,
};

export async function loadSettings(): Promise<Settings> {
  return { ...defaults, ...((await getMeta<Partial<Settings>>('settings')) ?? {}) };
}

export async function saveSettings(patch: Partial<Settings>): Promise<Settings> {
  const next = { ...(await loadSettings()), ...patch };
  await setMeta('settings', next);
  return next;
}

/** A random id for this install, made once; it carries no personal data. */
export async function deviceId(): Promise<string> {
  const existing = await getMeta<string>('deviceId');
  if (existing) return existing;
  const id = `dev-${uuidv7()}`;
  await setMeta('deviceId', id);
  return id;
}
