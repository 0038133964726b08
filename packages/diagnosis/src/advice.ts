import type { AdviceEntry } from './types.ts';

export type AdviceBook = ReadonlyMap<string, AdviceEntry>;

/**
 * Parses advice.json (packages/bundle/schema/advice.schema.json: { formatVersion, entries: label -> entry }).
 * The bundle was verified before this runs, so this only guards against shapes it cannot use:
 * an entry without the lists the UI shows is skipped rather than shown half-empty.
 */
export function parseAdvice(bytes: Uint8Array | undefined): AdviceBook {
  const book = new Map<string, AdviceEntry>();
  if (!bytes) return book;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return book;
  }
  const entries = (json as { entries?: unknown })?.entries;
  if (!entries || typeof entries !== 'object') return book;
  for (const [label, e] of Object.entries(entries as Record<string, Partial<AdviceEntry>>)) {
    if (Array.isArray(e?.symptoms) && Array.isArray(e.actions) && Array.isArray(e.prevention) && e.source?.name) {
      book.set(label, e as AdviceEntry);
    }
  }
  return book;
}

export function lookupAdvice(book: AdviceBook, label: string | undefined): AdviceEntry | null {
  return (label !== undefined && book.get(label)) || null;
}
