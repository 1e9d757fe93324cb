/**
 * @module Request logging: one line per request with its id, method, path (never the query string), status and
 * duration. Nothing from headers or bodies. When info is off (tests, benchmarks) it costs one comparison.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/app-env';
import type { Logger } from './logger';

export { createLogger, type LogFields, type Logger } from './logger';

export function requestLogger(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!logger.isEnabled('info')) return next();
    const startedAt = performance.now();
    await next();
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - startedAt) * 10) / 10,
    });
  };
}
