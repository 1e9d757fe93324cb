/**
 * @module RouteSpec: what each feature says about its endpoints, next to its routes, so the OpenAPI document
 * (and the 405 answers) come from one list. Paths use OpenAPI's `{param}` form.
 */
import type { ErrorCode } from '@halyon/protocol';
import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  readonly description: string;
  /** The JSON body; omit for an empty response. */
  readonly schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  readonly contentType?: string;
}

export interface RouteSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Needs `Authorization: Bearer <access token>`. */
  readonly auth: boolean;
  readonly request?: {
    readonly body?: z.ZodType;
    readonly query?: z.ZodObject;
    readonly params?: z.ZodObject;
  };
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** The problem codes this endpoint may answer with (besides the generic ones every endpoint may give). */
  readonly errors: readonly ErrorCode[];
}
