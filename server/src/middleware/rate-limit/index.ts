/**
 * @module Per-token rate limiting: an in-memory token bucket per session (so one client cannot starve others on
 * this process). Mount after requireAuth. Past the limit: 429 `rate_limited` with Retry-After.
 */
import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../deps';
import type { AppEnv } from '../../http/app-env';
import { problem } from '../../http/problem';

export interface RateLimitOptions {
  /** Requests a client may make in a burst. */
  readonly burst: number;
  /** Requests per second the bucket refills. */
  readonly perSecond: number;
  readonly clock: Clock;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const SWEEP_THRESHOLD = 10_000;

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const bucketsBySession = new Map<string, Bucket>();
  const msToFull = (options.burst / options.perSecond) * 1000;

  const take = (key: string, nowMs: number): number => {
    const bucket = bucketsBySession.get(key) ?? { tokens: options.burst, updatedAt: nowMs };
    bucket.tokens = Math.min(
      options.burst,
      bucket.tokens + ((nowMs - bucket.updatedAt) / 1000) * options.perSecond,
    );
    bucket.updatedAt = nowMs;
    if (!bucketsBySession.has(key)) {
      // A bucket that has refilled completely says nothing the default does not: forget it.
      if (bucketsBySession.size >= SWEEP_THRESHOLD) {
        for (const [k, b] of bucketsBySession)
          if (nowMs - b.updatedAt >= msToFull) bucketsBySession.delete(k);
      }
      bucketsBySession.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / options.perSecond);
  };

  return async (c, next) => {
    const retryAfter = take(c.get('auth').sessionId, options.clock.now());
    if (retryAfter > 0) {
      throw problem(429, 'rate_limited', 'Too many requests for this token.', { retryAfter });
    }
    await next();
  };
}
