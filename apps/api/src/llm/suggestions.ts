// Suggestions per review item: computed on demand, cached in the database (errors too, so a
// failing item is not re-sent on every view), concurrent requests for one item share one call.
import type { ReviewStore } from '../db/review-store.ts';
import type { SuggestionTable } from '../db/schema.ts';
import type { PhotoStore } from '../photos/photo-store.ts';
import type { LabelSuggester, Suggestion } from './suggester.ts';

export type SuggestionView =
  | { status: 'disabled'; reason: string }
  | { status: 'ok'; model: string | null; suggestion: Suggestion; createdAt: string }
  | { status: 'error'; model: string | null; error: string; createdAt: string };

export function viewOf(row: SuggestionTable | null): SuggestionView | null {
  if (row === null) return null;
  if (row.status === 'ok' && row.suggestion_json) {
    return { status: 'ok', model: row.model, suggestion: JSON.parse(row.suggestion_json) as Suggestion, createdAt: row.created_at };
  }
  return { status: 'error', model: row.model, error: row.error ?? 'unknown error', createdAt: row.created_at };
}

export interface SuggestionService {
  readonly enabled: boolean;
  /** null when the item does not exist. */
  get(id: string, options?: { refresh?: boolean }): Promise<SuggestionView | null>;
}

export function createSuggestionService(deps: {
  reviews: ReviewStore;
  photos: PhotoStore;
  llm: LabelSuggester | null;
  labels: string[];
  now: () => Date;
}): SuggestionService {
  const inFlight = new Map<string, Promise<SuggestionView | null>>();

  async function compute(id: string, refresh: boolean): Promise<SuggestionView | null> {
    const item = await deps.reviews.get(id);
    if (item === null) return null;
    if (deps.llm === null) return { status: 'disabled', reason: 'ANTHROPIC_API_KEY is not set' };
    if (!refresh && item.suggestion) return viewOf(item.suggestion);
    const llm = deps.llm;
    const row: SuggestionTable = {
      feedback_id: id,
      status: 'error',
      model: llm.model,
      suggestion_json: null,
      error: null,
      created_at: deps.now().toISOString(),
    };
    try {
      if (deps.labels.length === 0) throw new Error('no bundle taxonomy loaded: no labels to choose from');
      const jpeg = await deps.photos.get(id);
      if (jpeg === null) throw new Error('the item has no photo');
      const suggestion = await llm.suggest({ jpeg, labels: deps.labels });
      row.status = 'ok';
      row.suggestion_json = JSON.stringify(suggestion);
    } catch (error) {
      row.error = `${(error as Error).name}: ${(error as Error).message}`.slice(0, 1000);
    }
    await deps.reviews.saveSuggestion(row);
    return viewOf(row);
  }

  return {
    enabled: deps.llm !== null,
    get(id, options) {
      const running = inFlight.get(id);
      if (running) return running;
      const promise = compute(id, options?.refresh === true).finally(() => inFlight.delete(id));
      inFlight.set(id, promise);
      return promise;
    },
  };
}
