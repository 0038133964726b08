// Exponential backoff with "full jitter": a random delay in [0, min(cap, base * 2^attempt)).
// Full jitter spreads the retries of many phones that came online at once.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** attempt 0 is the first retry. random() returns [0, 1), injected for tests. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * The wait after a server said Retry-After R: at least R, plus up to max(R, 1 s) of jitter, so the phones a busy
 * server told "retry in 1 s" at the same moment do not all come back together; never less than our own backoff.
 */
export function retryAfterDelay(retryAfterMs: number, ownMs: number, random: () => number): number {
  return Math.max(ownMs, retryAfterMs + Math.floor(random() * Math.max(retryAfterMs, 1000)));
}

/** A server's Retry-After (seconds or HTTP date), in milliseconds; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
