// Reads the served bundle's manifest (verified: signature and hashes) into what the API needs.
import { type BundleManifest, type TrustedKey, verifyBundle } from '@leafcheck/bundle';
import { dirSource, trustedKeysWithLocal } from '@leafcheck/bundle/node';
import type { BundleInfo } from './context.ts';

export async function loadBundleInfo(dir: string, trusted: readonly TrustedKey[] = trustedKeysWithLocal()): Promise<BundleInfo> {
  const { manifest } = await verifyBundle(dirSource(dir), trusted);
  return bundleInfoOf(manifest);
}

export function bundleInfoOf(manifest: BundleManifest): BundleInfo {
  const labels = Object.values(manifest.taxonomy.crops).flat();
  return {
    version: manifest.bundleVersion,
    createdAt: manifest.createdAt,
    metrics: manifest.metrics,
    labels: [...labels, manifest.taxonomy.notALeaf],
  };
}
