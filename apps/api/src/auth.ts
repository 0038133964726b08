// Bearer-token authentication, role checks, per-token rate limits and in-flight bounds, and a per-IP limit
// on failed authentications.
import type { MiddlewareHandler } from 'hono';
import { busy, InFlight, type LoadLimits } from './boundary/load-shedding.ts';
import type { Role, TokenInfo, TokenStore } from './db/token-store.ts';

export type AppEnv = { Variables: { token: TokenInfo } };

export interface RateLimit {
  /** Requests a token may make at once. */
  burst: number;
  /** Sustained requests per second. */
  perSecond: number;
}

export const DEFAULT_RATE_LIMITS: Record<Role, RateLimit> = {
  // A phone drains a large outbox in a few dozen batches; more than this is a broken or hostile client.
  device: { burst: 30, perSecond: 2 },
  agronomist: { burst: 60, perSecond: 10 },
  maintainer: { burst: 60, perSecond: 10 },
};

/** Failed authentications one client address may make: a few typos, never a guessing run (each one a lookup). */
export const DEFAULT_FAILED_AUTH_LIMIT: RateLimit = { burst: 20, perSecond: 0.5 };

/** Token buckets by key, in memory: limits are per API process. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly now: () => number = () => performance.now()) {}

  private refill(key: string, limit: RateLimit): { tokens: number; at: number } {
    const t = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: t };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
    bucket.at = t;
    if (this.buckets.size > 100_000) this.buckets.clear(); // bounded: a flood of keys cannot grow memory
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Milliseconds until `key` may go on, without taking anything (0: now). */
  wait(key: string, limit: RateLimit): number {
    const bucket = this.refill(key, limit);
    return bucket.tokens >= 1 ? 0 : Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000);
  }

  /** 0 when allowed (and counted), else the milliseconds until the next request would be. */
  take(key: string, limit: RateLimit): number {
    const waitMs = this.wait(key, limit);
    if (waitMs === 0) (this.buckets.get(key) as { tokens: number }).tokens -= 1;
    return waitMs;
  }
}

/** Token buckets per token id. */
export class RateLimiter {
  private readonly buckets: TokenBuckets;
  constructor(
    private readonly limits: Record<Role, RateLimit>,
    now: () => number = () => performance.now(),
  ) {
    this.buckets = new TokenBuckets(now);
  }

  /** 0 when allowed, else the milliseconds until the next request would be. */
  take(token: TokenInfo): number {
    return this.buckets.take(token.id, this.limits[token.role]);
  }
}

export interface AuthGuards {
  limiter: RateLimiter;
  /** In-flight requests per token id. */
  inFlight: InFlight;
  load: LoadLimits;
  failedAuth: { buckets: TokenBuckets; limit: RateLimit };
  /**
   * Tokens verified in the last KNOWN_GOOD_MS: they pass an address's failed-sign-in limit, so a guessing client
   * behind the same carrier NAT as real phones does not lock those phones out.
   */
  knownGood: Map<string, number>;
}

const KNOWN_GOOD_MS = 10 * 60_000;

export function authGuards(limits: Record<Role, RateLimit>, load: LoadLimits, failedAuthLimit: RateLimit): AuthGuards {
  return {
    limiter: new RateLimiter(limits),
    // Keyed by "role:token id", so each role has its own bound.
    inFlight: new InFlight((key) => load.maxInFlightPerToken[key.slice(0, key.indexOf(':')) as Role]),
    load,
    failedAuth: { buckets: new TokenBuckets(), limit: failedAuthLimit },
    knownGood: new Map(),
  };
}

/** The peer address of the request (@hono/node-server's incoming socket); "local" for in-process requests. */
function clientAddress(env: unknown): string {
  return (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? 'local';
}

export function requireRole(tokens: TokenStore, guards: AuthGuards, ...roles: Role[]): MiddlewareHandler<AppEnv> {
  const { limiter, inFlight, load, failedAuth, knownGood } = guards;
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) return c.json({ error: 'unauthorized', message: 'send Authorization: Bearer <token>' }, 401);
    const raw = match[1] as string;
    const address = clientAddress(c.env);
    // An address that has used up its failed attempts waits before an unknown token of it is looked up again.
    const throttledMs = (knownGood.get(raw) ?? 0) > performance.now() ? 0 : failedAuth.buckets.wait(address, failedAuth.limit);
    if (throttledMs > 0) {
      return busy(c, 429, Math.ceil(throttledMs / 1000), `too many failed sign-ins from this address; retry in ${throttledMs} ms`);
    }
    const token = await tokens.verify(raw);
    if (token === null) {
      knownGood.delete(raw); // revoked
      failedAuth.buckets.take(address, failedAuth.limit);
      return c.json({ error: 'unauthorized', message: 'unknown or revoked token' }, 401);
    }
    if (knownGood.size > 100_000) knownGood.clear();
    knownGood.set(raw, performance.now() + KNOWN_GOOD_MS);
    if (!roles.includes(token.role)) {
      return c.json({ error: 'forbidden', message: `role ${token.role} may not use this route; allowed: ${roles.join(', ')}` }, 403);
    }
    const waitMs = limiter.take(token);
    if (waitMs > 0) {
      c.header('retry-after', String(Math.ceil(waitMs / 1000)));
      return c.json({ error: 'rate-limited', message: `too many requests; retry in ${waitMs} ms` }, 429);
    }
    const slot = `${token.role}:${token.id}`;
    if (!inFlight.enter(slot)) {
      return busy(c, 429, load.retryAfterSeconds, `${load.maxInFlightPerToken[token.role]} requests of this token are still running`);
    }
    c.set('token', token);
    try {
      await next();
    } finally {
      inFlight.leave(slot);
    }
  };
}
