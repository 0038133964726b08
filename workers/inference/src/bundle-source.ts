import type { BundleSource } from '@leafcheck/bundle';

/** Bundle files over fetch, relative to baseUrl. The app's service worker answers from its cache offline. */
export function fetchSource(baseUrl: string, doFetch: typeof fetch = fetch): BundleSource {
  return {
    async read(name) {
      let res: Response;
      try {
        res = await doFetch(new URL(name, baseUrl));
      } catch (err) {
        throw Object.assign(new Error(`cannot fetch ${name} (offline and not cached?): ${(err as Error).message}`), {
          name: 'BUNDLE_UNAVAILABLE',
        });
      }
      if (res.status === 404) return null;
      if (!res.ok) throw Object.assign(new Error(`fetching ${name} failed: HTTP ${res.status}`), { name: 'BUNDLE_UNAVAILABLE' });
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
