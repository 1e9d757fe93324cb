/**
 * @module The one place errors become responses. Problems thrown by handlers pass through with the request id
 * added; Hono's own HTTPExceptions get the code their status implies; anything else is a bug: logged with the
 * request id, answered as a bare 500 `internal` (no message or stack leaks).
 */
import type { ErrorCode } from '@halyon/protocol';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../middleware/logger';
import type { RouteSpec } from '../openapi/route-spec';
import type { AppEnv } from './app-env';
import { ProblemException, problem, problemResponse } from './problem';

const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

function withRequestId(c: Context<AppEnv>, error: ProblemException): Response {
  return problemResponse({ ...error.problem, requestId: c.get('requestId') }, error.headers);
}

export function createErrorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    if (error instanceof ProblemException) return withRequestId(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      const code = CODE_BY_STATUS[error.status] ?? 'validation_failed';
      return withRequestId(c, problem(error.status, code));
    }
    logger.error('unhandled error', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      error,
    });
    return withRequestId(
      c,
      problem(500, 'internal', `Quote request id ${c.get('requestId')} when reporting this.`),
    );
  };
}

/** 404 for paths nobody serves; 405 with Allow for a known path asked with the wrong method. */
export function createNotFoundHandler(routeSpecs: () => readonly RouteSpec[]): NotFoundHandler<AppEnv> {
  let matchers: { pattern: RegExp; method: string }[] | undefined;
  return (c) => {
    matchers ??= routeSpecs().map((spec) => ({
      pattern: new RegExp(
        `^${spec.path
          .split(/\{[^}]+\}/)
          .map(escapeRegExp)
          .join('[^/]+')}$`,
      ),
      method: spec.method.toUpperCase(),
    }));
    const allowed = [...new Set(matchers.filter((m) => m.pattern.test(c.req.path)).map((m) => m.method))];
    if (allowed.length > 0) {
      return withRequestId(
        c,
        problem(405, 'method_not_allowed', `Use ${allowed.join(' or ')}.`, {
          headers: { Allow: allowed.join(', ') },
        }),
      );
    }
    return withRequestId(c, problem(404, 'not_found', `Nothing is served at ${c.req.path}.`));
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
