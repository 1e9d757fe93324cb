import type { Problem } from '@halyon/protocol';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../http/app-env';
import { createErrorHandler } from '../../http/error-handler';
import { createTestClock } from '../../test/test-server';
import { createLogger } from '../logger';
import { requestId } from '../request-id';
import { rateLimit } from './index';

function limitedApp() {
  const clock = createTestClock();
  const app = new Hono<AppEnv>()
    .use(requestId())
    .use(async (c, next) => {
      c.set('auth', { userId: 'u', sessionId: c.req.header('x-session') ?? 'none' });
      await next();
    })
    .use(rateLimit({ burst: 3, perSecond: 2, clock }))
    .get('/', (c) => c.text('ok'));
  app.onError(createErrorHandler(createLogger({ level: 'silent' })));
  const call = (session: string) => app.request('/', { headers: { 'x-session': session } });
  return { clock, call };
}

describe('rate limit', () => {
  it('allows a burst, then answers 429 rate_limited with Retry-After', async () => {
    const { call } = limitedApp();
    for (let i = 0; i < 3; i++) expect((await call('a')).status).toBe(200);
    const limited = await call('a');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    const body = (await limited.json()) as Problem;
    expect(body.code).toBe('rate_limited');
    expect(body.retryAfter).toBe(1);
  });

  it('refills over time and counts each token separately', async () => {
    const { call, clock } = limitedApp();
    for (let i = 0; i < 3; i++) await call('a');
    expect((await call('a')).status).toBe(429);
    expect((await call('b')).status).toBe(200);
    clock.advance(1_000);
    expect((await call('a')).status).toBe(200);
    expect((await call('a')).status).toBe(200);
    expect((await call('a')).status).toBe(429);
  });
});
