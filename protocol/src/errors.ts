/**
 * @module Error codes and the problem+json body (RFC 9457) every error response carries.
 * Codes are stable: clients branch on `code`, never on `title` or `detail`.
 */
import { z } from 'zod';
import { Uuid } from './common';

export const ErrorCode = z.enum([
  // Request shape
  'malformed_json',
  'validation_failed',
  'payload_too_large',
  'unsupported_media_type',
  'not_found',
  'method_not_allowed',
  // Authentication and limits
  'unauthorized',
  'token_expired',
  'invalid_credentials',
  'refresh_token_reused',
  'too_many_attempts',
  'rate_limited',
  'email_taken',
  // Sync
  'collection_not_found',
  'collection_exists',
  'forbidden',
  'batch_too_large',
  'record_too_large',
  'cursor_expired',
  // Blobs
  'blob_not_found',
  'blob_exists',
  'blob_size_mismatch',
  'quota_exceeded',
  'range_not_satisfiable',
  'storage_check_failed',
  // Server side
  'internal',
  'unavailable',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Why a single push operation was refused (the batch as a whole still succeeded). */
export const OpRejectCode = z.enum([
  'collection_not_found',
  'forbidden',
  'record_too_large',
  'record_not_found',
  'blob_not_found',
  'blob_not_committed',
  'duplicate_op',
  'group_aborted',
]);
export type OpRejectCode = z.infer<typeof OpRejectCode>;

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: ErrorCode,
  detail: z.string().optional(),
  requestId: z.string().optional(),
  /** Field-level validation issues, for `validation_failed`. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** Seconds to wait, for `rate_limited` and `too_many_attempts`. */
  retryAfter: z.number().int().nonnegative().optional(),
  /** Collections whose cursor is older than their tombstone purge floor, for `cursor_expired`. */
  collectionIds: z.array(Uuid).optional(),
});
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
