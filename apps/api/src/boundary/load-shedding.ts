// Load shedding: a bounded number of requests run at once; a short burst past it waits in a bounded queue for a
// slot, and what cannot get one quickly is answered at once (503 for the process, 429 for one token) with
// Retry-After, instead of queueing until every phone times out and retries into the overload.
// The phones' sync engine waits Retry-After plus jitter (packages/sync/src/backoff.ts), which spreads them out.
import type { Context, MiddlewareHandler } from 'hono';
import type { Role } from '../db/token-store.ts';

export interface LoadLimits {
  /** Requests this process runs at once, counted once the body has arrived. */
  maxInFlight: number;
  /** Requests that may wait for a slot; past it, or after `maxQueueMs` of waiting, 503. */
  maxQueued: number;
  maxQueueMs: number;
  /** Requests one token may have in flight; more get 429 (a phone sends one batch at a time). */
  maxInFlightPerToken: Record<Role, number>;
  /** What Retry-After says on a 503 or an in-flight 429, seconds. */
  retryAfterSeconds: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  // bench/sync --overload (200 phones, 2 shared cores at load ~7, immediate 503 past the bound): 8 running gave
  // accepted p50/p99 42/265 ms at 8.2k records/s, 16 gave 138/676 ms, 32 gave 220/1242 ms. A batch of 50 costs
  // ~2 ms of CPU and the SQLite writer commits queued batches together, so 8 still reaches full throughput.
  maxInFlight: 8,
  // Bursts (the review screen loads a page of photos at once) wait a little instead of failing. With this queue the
  // same overload run accepted 13.5k records/s (77% of answers) at p50/p99 172/335 ms.
  maxQueued: 64,
  maxQueueMs: 100,
  // An agronomist's screen loads the item, its photo, the suggestion and the next item's in parallel.
  maxInFlightPerToken: { device: 4, agronomist: 16, maintainer: 16 },
  retryAfterSeconds: 1,
};

/** Counts requests in flight per key; `enter` refuses past the limit. */
export class InFlight {
  private readonly counts = new Map<string, number>();
  constructor(private readonly limit: (key: string) => number) {}

  enter(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.limit(key)) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  leave(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

/** A counting semaphore with a bounded FIFO queue whose waiters give up after a deadline. */
export class BoundedQueue {
  private running = 0;
  private readonly waiting: Array<(slot: boolean) => void> = [];
  constructor(private readonly limits: Pick<LoadLimits, 'maxInFlight' | 'maxQueued' | 'maxQueueMs'>) {}

  /** Resolves true with a slot (call release() after), false when none came in time. */
  acquire(): Promise<boolean> {
    if (this.running < this.limits.maxInFlight) {
      this.running++;
      return Promise.resolve(true);
    }
    if (this.waiting.length >= this.limits.maxQueued) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (slot: boolean) => {
        clearTimeout(timer);
        resolve(slot);
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        resolve(false);
      }, this.limits.maxQueueMs);
      this.waiting.push(waiter);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next)
      next(true); // the slot passes straight on
    else this.running--;
  }
}

export function busy(c: Context, status: 429 | 503, retryAfterSeconds: number, message: string) {
  c.header('retry-after', String(retryAfterSeconds));
  return c.json({ error: status === 503 ? 'overloaded' : 'rate-limited', message }, status);
}

/** The process-wide bound: one slot per request until its handler has answered. */
export function shedLoad(limits: LoadLimits): MiddlewareHandler {
  const queue = new BoundedQueue(limits);
  return async (c, next) => {
    if (!(await queue.acquire())) {
      return busy(c, 503, limits.retryAfterSeconds, `the server is busy; retry in ${limits.retryAfterSeconds} s`);
    }
    try {
      await next();
    } finally {
      queue.release();
    }
  };
}
