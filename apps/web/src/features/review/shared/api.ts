// The agronomist's side of the API (GET /v1/review, POST /v1/review/:id, GET /v1/feedback/stats,
// POST /v1/translations/flags), over fetch.
import type { LabelProbability } from '@leafcheck/diagnosis/types';

export type Suggestion =
  | { status: 'disabled'; reason: string }
  | {
      status: 'ok';
      model: string | null;
      createdAt: string;
      suggestion: {
        label: string;
        confidence: 'high' | 'medium' | 'low';
        reasoning: string;
        visibleSymptoms: string[];
        needsReview: boolean;
      };
    }
  | { status: 'error'; model: string | null; error: string; createdAt: string };

export interface ReviewItem {
  id: string;
  priority: 'wrong' | 'low-confidence' | 'other';
  bundleVersion: string;
  diagnosedAt: string;
  model: { kind: string; crop: string | null; topK: LabelProbability[] };
  farmer: { verdict: 'right' | 'wrong' | 'not-sure'; correctedLabel: string | null; note: string | null };
  photoUrl: string | null;
  suggestion: Suggestion | null;
}

export type Decision = { decision: 'label'; label: string } | { decision: 'skip' } | { decision: 'unusable' };

export interface ClassCounts {
  label: string;
  right: number;
  wrong: number;
  notSure: number;
  total: number;
}

export class ReviewApiError extends Error {
  override readonly name = 'ReviewApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The API's own words for a refusal (`message`, or the first validation issue), so the agronomist sees why. */
async function reasonOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: unknown; issues?: { message?: unknown }[] };
    const reason = body.issues?.[0]?.message ?? body.message;
    return typeof reason === 'string' ? `: ${reason}` : '';
  } catch {
    return '';
  }
}

export function reviewApi(base: string, token: string, doFetch: typeof fetch = fetch.bind(globalThis)) {
  const root = base.replace(/\/+$/, '');
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    let response: Response;
    try {
      response = await doFetch(`${root}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
    } catch (error) {
      throw new ReviewApiError(error instanceof Error ? error.message : String(error), null);
    }
    if (!response.ok) throw new ReviewApiError(`HTTP ${response.status}${await reasonOf(response)}`, response.status);
    return response;
  };
  return {
    async queue(limit = 20): Promise<ReviewItem[]> {
      return ((await (await call(`/v1/review?limit=${limit}`)).json()) as { items: ReviewItem[] }).items;
    },
    async photo(item: ReviewItem): Promise<Blob | null> {
      return item.photoUrl ? (await call(item.photoUrl)).blob() : null;
    },
    async suggestion(id: string): Promise<Suggestion> {
      return (await (await call(`/v1/review/${id}/suggestion`)).json()) as Suggestion;
    },
    async decide(id: string, decision: Decision): Promise<void> {
      await call(`/v1/review/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(decision) });
    },
    /** An advice translation that needs a check (POST /v1/translations/flags, agronomist). */
    async flagTranslation(flag: { label: string; language: string; note?: string }): Promise<void> {
      await call('/v1/translations/flags', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flag) });
    },
    async stats(): Promise<ClassCounts[]> {
      return ((await (await call('/v1/feedback/stats')).json()) as { byClass: ClassCounts[] }).byClass;
    },
  };
}

export type ReviewApi = ReturnType<typeof reviewApi>;

/** What "accept" means: the farmer's correction, else Claude's suggestion, else the model's answer. */
export function proposedLabel(item: ReviewItem): string | null {
  if (item.farmer.verdict === 'wrong' && item.farmer.correctedLabel) return item.farmer.correctedLabel;
  if (item.suggestion?.status === 'ok') return item.suggestion.suggestion.label;
  return item.model.topK[0]?.label ?? null;
}
