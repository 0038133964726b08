// The worker's fetch source stops reading a bundle file past what the verifier asked for.
import { describe, expect, it } from 'vitest';
import { fetchSource } from '../src/bundle-source.ts';

/** A response body that never ends (like a server streaming /dev/zero), counting what was pulled and whether it was cancelled. */
function endless(): { response: Response; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += 64 * 1024;
      controller.enqueue(new Uint8Array(64 * 1024).fill(7));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body), pulled: () => pulled, cancelled: () => cancelled };
}

describe('fetchSource', () => {
  it('reads at most maxBytes of an endless file and cancels the download', async () => {
    const file = endless();
    const source = fetchSource('https://bundles.test/1.0.0/', async () => file.response);
    const data = await source.read('model-card.md', 100_001);
    expect(data?.byteLength).toBe(100_001);
    expect(file.cancelled()).toBe(true);
    expect(file.pulled()).toBeLessThan(1024 * 1024);
  });

  it('reads a whole file when it is within the bound, and a missing one as null', async () => {
    const source = fetchSource('https://bundles.test/1.0.0/', async (url) =>
      String(url).endsWith('absent.md') ? new Response('', { status: 404 }) : new Response('hello world'),
    );
    expect(new TextDecoder().decode((await source.read('advice.json', 12)) as Uint8Array)).toBe('hello world');
    expect(new TextDecoder().decode((await source.read('advice.json')) as Uint8Array)).toBe('hello world');
    expect(await source.read('absent.md', 10)).toBeNull();
  });
});
