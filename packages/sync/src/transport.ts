// The HTTP side of the client sync engine, over an injected fetch (browser, Node, or a test double).

import { parseRetryAfter } from './backoff.ts';
import type { FeedbackRecord } from './feedback-record.ts';
import { type FeedbackBatchResponse, feedbackBatchResponse } from './protocol.ts';

export interface SyncTransport {
  send(records: FeedbackRecord[], signal?: AbortSignal): Promise<FeedbackBatchResponse>;
}

/** A failed exchange. `retryable` false means retrying the same request cannot help (bad token, ...). */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    message: string,
    readonly kind: 'network' | 'http' | 'bad-response',
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  get retryable(): boolean {
    if (this.kind !== 'http' || this.status === null) return true;
    // 408 timeout and 429 rate limit are transient; 413 is handled by the engine by splitting the batch.
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface FetchTransportOptions {
  /** API origin, e.g. "https://api.example.org" (no trailing /v1). */
  baseUrl: string;
  /** Device token; sent as a bearer token. */
  token: string;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
}

export function fetchTransport(options: FetchTransportOptions): SyncTransport {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/v1/feedback`;
  return {
    async send(records, signal) {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
          body: JSON.stringify({ records }),
          signal: signal ?? null,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new SyncError(`network error: ${(error as Error).message}`, 'network');
      }
      if (!response.ok) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now());
        throw new SyncError(`server answered ${response.status}`, 'http', response.status, retryAfter);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new SyncError('response is not JSON', 'bad-response', response.status);
      }
      const parsed = feedbackBatchResponse.safeParse(body);
      if (!parsed.success) throw new SyncError('response does not match the batch protocol', 'bad-response', response.status);
      return parsed.data;
    },
  };
}
