// Load shedding: past a bounded number of requests in flight, answer at once (503 for the process, 429 for one
// token) with Retry-After, instead of queueing until every phone times out and retries into the overload.
// The phones' sync engine waits Retry-After plus jitter (packages/sync/src/backoff.ts), which spreads them out.
import type { Context, MiddlewareHandler } from 'hono';

export interface LoadLimits {
  /** Requests this process handles at once (from routing to the handler's answer); more get 503. */
  maxInFlight: number;
  /** Requests one token may have in flight; more get 429 (a phone sends one batch at a time). */
  maxInFlightPerToken: number;
  /** What Retry-After says on a 503 or an in-flight 429, seconds. */
  retryAfterSeconds: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  // Counted once the body has arrived. bench/sync --overload (200 phones, 2 shared cores at load ~7): bound 8 gave
  // accepted p50/p99 42/265 ms at 8.2k records/s, 16 gave 138/676 ms, 32 gave 220/1242 ms. A batch of 50 costs ~2 ms
  // of CPU and the SQLite writer commits queued batches together, so 8 still reaches full throughput.
  maxInFlight: 8,
  maxInFlightPerToken: 4,
  retryAfterSeconds: 1,
};

/** Counts requests in flight per key; `enter` refuses past the limit. */
export class InFlight {
  private readonly counts = new Map<string, number>();
  constructor(private readonly limit: number) {}

  enter(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  leave(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

export function busy(c: Context, status: 429 | 503, retryAfterSeconds: number, message: string) {
  c.header('retry-after', String(retryAfterSeconds));
  return c.json({ error: status === 503 ? 'overloaded' : 'rate-limited', message }, status);
}

/** The process-wide bound: one slot per request until its handler has answered. */
export function shedLoad(limits: LoadLimits): MiddlewareHandler {
  const inFlight = new InFlight(limits.maxInFlight);
  return async (c, next) => {
    if (!inFlight.enter('')) {
      return busy(c, 503, limits.retryAfterSeconds, `the server is busy; retry in ${limits.retryAfterSeconds} s`);
    }
    try {
      await next();
    } finally {
      inFlight.leave('');
    }
  };
}
