// JSON.parse keeps the last of two equal keys; another reader may keep the first. A signed document whose
// readers can disagree is refused outright (Python's twin: object_pairs_hook in trainer/bundle/manifest.py).

/**
 * The first key that appears twice in one object of `text`, or null. `text` must already be valid JSON
 * (call after JSON.parse succeeded): this only walks strings and brackets.
 */
export function firstDuplicateKey(text: string): string | null {
  // One entry per open bracket: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
      }
      expectKey = false;
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return null;
}
