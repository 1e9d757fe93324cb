/**
 * @module Security headers on every response, errors included. The API serves only JSON, so its CSP forbids
 * everything; a route that serves HTML (the API reference) sets its own Content-Security-Policy, which wins.
 * Responses are not cached by default: they may carry tokens or per-user data.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/app-env';
import { isHttps } from '../../http/client-ip';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function securityHeaders(options: { readonly trustProxy: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', API_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'no-referrer');
    headers.set('X-Frame-Options', 'DENY');
    // The web app's files send the stricter same-origin; API answers default to same-site.
    if (!headers.has('Cross-Origin-Resource-Policy'))
      headers.set('Cross-Origin-Resource-Policy', 'same-site');
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
    // HSTS only means something over TLS; sent over plain HTTP it would be ignored or, worse, pin a dev host.
    if (isHttps(c, options.trustProxy)) {
      headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    }
  };
}
