/**
 * @module Gives every request an id: the caller's X-Request-Id when it is short and plain (so a proxy's id
 * carries through), else a fresh one. Echoed in the response header, in problem bodies and in every log line.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/app-env';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const offered = c.req.header('x-request-id');
    const id = offered && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    c.set('requestId', id);
    await next();
    c.res.headers.set('X-Request-Id', id);
  };
}
