import keys from '../trusted-keys.json' with { type: 'json' };
import type { TrustedKey } from './signature.ts';

/**
 * Public keys whose signatures the app accepts out of the box (the embedded default bundle's
 * signer). Private halves are never committed; a local setup adds its own key at run time.
 */
export const DEFAULT_TRUSTED_KEYS: readonly TrustedKey[] = keys as TrustedKey[];
