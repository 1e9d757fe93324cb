/**
 * @module Caps request bodies. A declared Content-Length over the limit is refused before anything is read; the
 * limit is also put on the context so readJson stops a chunked body at the same size. Mount a tighter one on
 * routes with small bodies (accounts) and the sync limit on the sync routes.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/app-env';
import { problem } from '../../http/problem';

export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > maxBytes) {
      throw problem(413, 'payload_too_large', `The body may be at most ${maxBytes} bytes.`);
    }
    c.set('bodyLimit', maxBytes);
    await next();
  };
}
