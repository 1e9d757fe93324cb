/**
 * @module requireAuth: the Bearer access token -> `c.get('auth')` = { userId, sessionId }. Tokens are looked up
 * by hash on every request (one indexed read), so a logout or a revoked session takes effect at once.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from '../../deps';
import { findAccessToken } from '../../features/auth/auth.repository';
import { tokenToHash } from '../../features/auth/tokens';
import type { AppEnv } from '../../http/app-env';
import { problem } from '../../http/problem';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]{1,200}=*)$/;

export function requireAuth(deps: Pick<AppDeps, 'db' | 'clock'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = BEARER.exec(c.req.header('authorization') ?? '');
    if (!match) {
      throw problem(401, 'unauthorized', 'Send an access token as `Authorization: Bearer <token>`.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="halyon"' },
      });
    }
    const record = await findAccessToken(deps.db, tokenToHash(match[1]!));
    if (!record || record.sessionRevoked) {
      throw problem(401, 'unauthorized', 'The access token is not valid.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="halyon", error="invalid_token"' },
      });
    }
    if (record.expiresAt.getTime() <= deps.clock.now()) {
      throw problem(401, 'token_expired', 'Refresh the session for a new access token.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="halyon", error="invalid_token"' },
      });
    }
    c.set('auth', { userId: record.userId, sessionId: record.sessionId });
    await next();
  };
}
