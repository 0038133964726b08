// What the phone remembers about model bundles (IndexedDB meta "modelUpdate"); no imports, so the shell can read it.

export interface InstalledBundle {
  version: string;
  /** 'embedded': the bundle built into the app (served at its own URL); 'downloaded': files in the FileStore. */
  source: 'embedded' | 'downloaded';
  manifestSha256: string | null;
  /** File name -> sha256, manifest.json included (downloaded bundles). */
  files: Record<string, string>;
  installedAt: string;
  channel: string | null;
  /** The first lines of the bundle's model card: what changed, for the settings screen. */
  notes: string;
}

export interface ModelState {
  current: InstalledBundle | null;
  previous: InstalledBundle | null;
  /** The newest version this device ever verified: an older download needs a signed rollback statement. */
  highestVerified: string | null;
  lastCheckAt: string | null;
  /** The version the farmer went back from: not installed again until a newer one is assigned. */
  skipVersion?: string | null;
}

export const EMPTY_STATE: ModelState = { current: null, previous: null, highestVerified: null, lastCheckAt: null };
