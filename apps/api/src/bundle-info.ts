// Reads the served bundle's manifest (verified: signature and hashes) into what the API needs.
import { verifyBundle } from '@leafcheck/bundle';
import { dirSource, trustedKeysWithLocal } from '@leafcheck/bundle/node';
import type { BundleInfo } from './context.ts';

export async function loadBundleInfo(dir: string): Promise<BundleInfo> {
  const { manifest } = await verifyBundle(dirSource(dir), trustedKeysWithLocal());
  const labels = Object.values(manifest.taxonomy.crops).flat();
  return {
    version: manifest.bundleVersion,
    createdAt: manifest.createdAt,
    metrics: manifest.metrics,
    labels: [...labels, manifest.taxonomy.notALeaf],
  };
}
