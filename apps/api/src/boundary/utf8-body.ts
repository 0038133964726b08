// JSON request bodies must be valid UTF-8. Decoding is otherwise lossy (an invalid byte becomes U+FFFD), so a
// client would be acked for text the server never received. The body is decoded once here, strictly, and handed
// to Hono's body cache, so the route's validator parses the same text without reading the body again.
import type { MiddlewareHandler } from 'hono';

const strict = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

/** Dotted paths of the strings that hold U+FFFD once the body is decoded lossily: where the bad bytes were. */
function replacedStrings(value: unknown, path: string[] = [], out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.includes('\ufffd')) out.push(path.join('.'));
  } else if (typeof value === 'object' && value !== null) {
    // Arrays too: their entries are keyed "0", "1", ...
    for (const [key, v] of Object.entries(value)) {
      if (key.includes('\ufffd')) out.push([...path, key].join('.'));
      replacedStrings(v, [...path, key], out);
    }
  }
  return out;
}

function invalidPaths(bytes: Uint8Array): string[] {
  try {
    const paths = replacedStrings(JSON.parse(lossy.decode(bytes)));
    return paths.length > 0 ? paths : [''];
  } catch {
    return [''];
  }
}

export function utf8JsonBody(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'POST' || !/^application\/([\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) return next();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    let text: string;
    try {
      text = strict.decode(bytes);
    } catch {
      const issues = invalidPaths(bytes).map((path) => ({ path, message: 'is not valid UTF-8: send text encoded as UTF-8' }));
      return c.json({ error: 'validation', issues }, 400);
    }
    // Hono's cache holds the promise each body reader returned (its type says the reader itself).
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    return next();
  };
}
