import type { BundleSource } from '@leafcheck/bundle';

/**
 * Reads a response up to `maxBytes` and cancels the rest: a bundle file far larger than its manifest says (a wrong
 * or hostile server) is refused by its size without the phone downloading or holding all of it.
 */
async function readAtMost(res: Response, maxBytes: number): Promise<Uint8Array> {
  if (res.body === null || !Number.isFinite(maxBytes)) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  if (total >= maxBytes) await reader.cancel();
  const data = new Uint8Array(Math.min(total, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, data.byteLength - offset);
    data.set(part, offset);
    offset += part.byteLength;
  }
  return data;
}

/** Bundle files over fetch, relative to baseUrl. The app's service worker answers from its cache offline. */
export function fetchSource(baseUrl: string, doFetch: typeof fetch = fetch): BundleSource {
  return {
    async read(name, maxBytes = Number.POSITIVE_INFINITY) {
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
      return readAtMost(res, maxBytes);
    },
  };
}
