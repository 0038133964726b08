// Bearer-token authentication, role checks and per-token rate limits.
import type { MiddlewareHandler } from 'hono';
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

/** Token buckets per token id, in memory: limits are per API process. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly limits: Record<Role, RateLimit>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 0 when allowed, else the milliseconds until the next request would be. */
  take(token: TokenInfo): number {
    const limit = this.limits[token.role];
    const t = this.now();
    const bucket = this.buckets.get(token.id) ?? { tokens: limit.burst, at: t };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
    bucket.at = t;
    this.buckets.set(token.id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000);
  }
}

export function requireRole(tokens: TokenStore, limiter: RateLimiter, ...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) return c.json({ error: 'unauthorized', message: 'send Authorization: Bearer <token>' }, 401);
    const token = await tokens.verify(match[1] as string);
    if (token === null) return c.json({ error: 'unauthorized', message: 'unknown or revoked token' }, 401);
    if (!roles.includes(token.role)) {
      return c.json({ error: 'forbidden', message: `role ${token.role} may not use this route; allowed: ${roles.join(', ')}` }, 403);
    }
    const waitMs = limiter.take(token);
    if (waitMs > 0) {
      c.header('retry-after', String(Math.ceil(waitMs / 1000)));
      return c.json({ error: 'rate-limited', message: `too many requests; retry in ${waitMs} ms` }, 429);
    }
    c.set('token', token);
    await next();
  };
}
