/**
 * @module Errors on the wire: `problem(...)` builds an exception carrying a protocol Problem (RFC 9457); the one
 * error handler in app.ts turns it into an application/problem+json response. Handlers throw these for expected
 * refusals; anything else that escapes is a bug and becomes a 500 `internal`.
 */
import { type ErrorCode, PROBLEM_CONTENT_TYPE, type Problem } from '@halyon/protocol';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

const TITLE_BY_CODE: Readonly<Record<ErrorCode, string>> = {
  malformed_json: 'The request body is not valid JSON',
  validation_failed: 'The request does not match the schema',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'The request body must be application/json',
  not_found: 'No such resource',
  method_not_allowed: 'Method not allowed on this resource',
  unauthorized: 'Authentication required',
  token_expired: 'The access token has expired',
  invalid_credentials: 'Wrong e-mail address or password',
  refresh_token_reused: 'The refresh token was already used; the session is revoked',
  too_many_attempts: 'Too many failed attempts; try again later',
  rate_limited: 'Too many requests; slow down',
  email_taken: 'An account with this e-mail address exists',
  collection_not_found: 'No such collection',
  collection_exists: 'The collection exists with different contents',
  forbidden: 'Not allowed',
  batch_too_large: 'Too many operations in one request',
  record_too_large: 'A record is larger than the limit',
  cursor_expired: 'The cursor is older than the tombstone purge floor; reconcile',
  blob_not_found: 'No such blob, or not one you may use',
  blob_exists: 'The blob exists and cannot be changed',
  blob_size_mismatch: 'The blob does not have its declared size',
  quota_exceeded: 'Storage quota exceeded',
  range_not_satisfiable: 'The requested range lies outside the blob',
  storage_check_failed: 'The storage bucket failed the test write',
  internal: 'Internal server error',
  unavailable: 'The service is unavailable',
};

/** Where each code is explained: the API reference page has one anchor per code. */
export function problemTypeUri(code: ErrorCode): string {
  return `/v1/docs#error-${code}`;
}

export type ProblemExtra = Pick<Problem, 'issues' | 'retryAfter' | 'collectionIds'> & {
  /** Extra response headers, e.g. WWW-Authenticate. Retry-After is added from `retryAfter`. */
  readonly headers?: Readonly<Record<string, string>>;
};

export class ProblemException extends HTTPException {
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;

  constructor(problem: Problem, headers: Readonly<Record<string, string>>) {
    super(problem.status as ContentfulStatusCode, { message: problem.detail ?? problem.title });
    this.problem = problem;
    this.headers = headers;
  }

  override getResponse(): Response {
    return problemResponse(this.problem, this.headers);
  }
}

export function problem(
  status: number,
  code: ErrorCode,
  detail?: string,
  extra: ProblemExtra = {},
): ProblemException {
  const { headers = {}, ...fields } = extra;
  const body: Problem = { type: problemTypeUri(code), title: TITLE_BY_CODE[code], status, code, ...fields };
  if (detail !== undefined) body.detail = detail;
  const allHeaders =
    fields.retryAfter === undefined ? headers : { ...headers, 'Retry-After': String(fields.retryAfter) };
  return new ProblemException(body, allHeaders);
}

export function problemResponse(body: Problem, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { ...headers, 'Content-Type': PROBLEM_CONTENT_TYPE },
  });
}

/** The status each code is answered with; documentation (OpenAPI, the reference page) reads it from here. */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  malformed_json: 400,
  validation_failed: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  method_not_allowed: 405,
  unauthorized: 401,
  token_expired: 401,
  invalid_credentials: 401,
  refresh_token_reused: 401,
  too_many_attempts: 429,
  rate_limited: 429,
  email_taken: 409,
  collection_not_found: 404,
  collection_exists: 409,
  forbidden: 403,
  batch_too_large: 413,
  record_too_large: 413,
  cursor_expired: 410,
  blob_not_found: 404,
  blob_exists: 409,
  blob_size_mismatch: 409,
  quota_exceeded: 507,
  range_not_satisfiable: 416,
  storage_check_failed: 422,
  internal: 500,
  unavailable: 503,
};

export function problemTitle(code: ErrorCode): string {
  return TITLE_BY_CODE[code];
}
