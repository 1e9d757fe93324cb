/**
 * @module Rate limiting with an in-memory token bucket per key: per access token (the session; mount after
 * requireAuth) so one client cannot starve others on this process, or per client address for the unauthenticated
 * account endpoints. Past the limit: 429 `rate_limited` with Retry-After.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../../deps';
import type { AppEnv } from '../../http/app-env';
import { problem } from '../../http/problem';

export interface RateLimitOptions {
  /** Requests a client may make in a burst. */
  readonly burst: number;
  /** Requests per second the bucket refills. */
  readonly perSecond: number;
  readonly clock: Clock;
  /** What to count by; the session of the access token by default. */
  readonly keyOf?: (c: Context<AppEnv>) => string;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const SWEEP_THRESHOLD = 10_000;

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const bucketsByKey = new Map<string, Bucket>();
  const keyOf = options.keyOf ?? ((c: Context<AppEnv>) => c.get('auth').sessionId);
  const msToFull = (options.burst / options.perSecond) * 1000;

  const take = (key: string, nowMs: number): number => {
    const bucket = bucketsByKey.get(key) ?? { tokens: options.burst, updatedAt: nowMs };
    bucket.tokens = Math.min(
      options.burst,
      bucket.tokens + ((nowMs - bucket.updatedAt) / 1000) * options.perSecond,
    );
    bucket.updatedAt = nowMs;
    if (!bucketsByKey.has(key)) {
      // A bucket that has refilled completely says nothing the default does not: forget it.
      if (bucketsByKey.size >= SWEEP_THRESHOLD) {
        for (const [k, b] of bucketsByKey) if (nowMs - b.updatedAt >= msToFull) bucketsByKey.delete(k);
      }
      bucketsByKey.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / options.perSecond);
  };

  return async (c, next) => {
    const retryAfter = take(keyOf(c), options.clock.now());
    if (retryAfter > 0) throw problem(429, 'rate_limited', 'Too many requests; slow down.', { retryAfter });
    await next();
  };
}
