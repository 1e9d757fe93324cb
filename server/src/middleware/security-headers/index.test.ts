import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../http/app-env';
import { createErrorHandler, createNotFoundHandler } from '../../http/error-handler';
import { createLogger } from '../logger';
import { requestId } from '../request-id';
import { API_CSP, securityHeaders } from './index';

function appBehind(trustProxy: boolean) {
  const app = new Hono<AppEnv>()
    .use(requestId())
    .use(securityHeaders({ trustProxy }))
    .get('/ok', (c) => c.json({ ok: true }))
    .get('/boom', () => {
      throw new Error('bug');
    })
    .get('/page', (c) => c.html('<p>hi</p>', 200, { 'Content-Security-Policy': "default-src 'self'" }));
  app.onError(createErrorHandler(createLogger({ level: 'silent' })));
  app.notFound(createNotFoundHandler(() => []));
  return app;
}

const expectHardened = (response: Response) => {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cross-origin-resource-policy')).toBe('same-site');
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('cache-control')).toBe('no-store');
};

describe('security headers', () => {
  it('are on successes, unknown routes and crashes alike', async () => {
    const app = appBehind(false);
    for (const path of ['/ok', '/nowhere', '/boom']) expectHardened(await app.request(path));
    expect((await app.request('/ok')).headers.get('content-security-policy')).toBe(API_CSP);
  });

  it('let a page route set its own content security policy', async () => {
    const response = await appBehind(false).request('/page');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'self'");
  });

  it('add HSTS only over TLS, and trust X-Forwarded-Proto only behind a configured proxy', async () => {
    const direct = appBehind(false);
    expect((await direct.request('http://h/ok')).headers.get('strict-transport-security')).toBeNull();
    expect((await direct.request('https://h/ok')).headers.get('strict-transport-security')).toContain(
      'max-age=',
    );
    const forwarded = { headers: { 'X-Forwarded-Proto': 'https' } };
    expect(
      (await direct.request('http://h/ok', forwarded)).headers.get('strict-transport-security'),
    ).toBeNull();
    expect(
      (await appBehind(true).request('http://h/ok', forwarded)).headers.get('strict-transport-security'),
    ).toContain('max-age=');
  });
});
