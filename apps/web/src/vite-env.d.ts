/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_API_BASE?: string;
  readonly VITE_DEVICE_TOKEN?: string;
  readonly VITE_APP_VERSION?: string;
}

/** Version of bundles/default baked in at build time, with a hash of its manifest (see vite.config.ts). */
declare const __BUNDLE_VERSION__: string;
/** Public keys trusted besides the shipped ones (local or fixture bundles only; see vite.config.ts). */
declare const __EXTRA_TRUSTED_KEYS__: { keyId: string; publicKeyHex: string }[];

declare module '@leafcheck/inference-worker?worker' {
  const InferenceWorker: { new (options?: { name?: string }): Worker };
  export default InferenceWorker;
}
