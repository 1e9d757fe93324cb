/**
 * @module One queued upload as it is persisted (sealed, upload-state.ts): the photo record to write once its blobs
 * are committed, and each blob's id, sizes and state. Blob ids are chosen here, before anything is sent, so a
 * retried reservation after a crash or a lost answer is the same reservation (the server treats it as a retry).
 */
import { z } from 'zod';
import { Exif, Location } from '../library/kinds';

export const BlobRole = z.enum(['original', 'thumbnail', 'preview']);
export type BlobRole = z.infer<typeof BlobRole>;

export const BlobPlan = z.object({
  role: BlobRole,
  id: z.string(),
  plainSize: z.number().int().nonnegative(),
  cipherSize: z.number().int().nonnegative(),
  /** The ciphertext waits in the local store (else the original is re-read from `sourceRef`). */
  staged: z.boolean(),
  committed: z.boolean(),
  /**
   * An unstaged blob's nonce prefix (base64): re-reading the same file makes the same ciphertext, so a resumed
   * multipart upload needs to send only the parts the bucket lacks. See: [Note: Resumed multipart uploads]
   */
  noncePrefix: z.string().optional(),
  /** The parts of a multipart upload the bucket has stored, with their ETags, as each was stored. */
  parts: z.array(z.object({ partNumber: z.number().int().min(1), etag: z.string() })).optional(),
});
export type BlobPlan = z.infer<typeof BlobPlan>;

/** Why a job stopped; it stays queued until retried or cancelled. */
export const UploadFailure = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('QuotaExceeded'),
    detail: z.string(),
  }),
  z.object({ type: z.literal('Refused'), status: z.number(), code: z.string(), detail: z.string() }),
  /** A file that could be reopened by path is gone or changed since it was queued. */
  z.object({ type: z.literal('SourceGone'), detail: z.string() }),
  z.object({ type: z.literal('TooManyAttempts'), detail: z.string() }),
]);
export type UploadFailure = z.infer<typeof UploadFailure>;

export const UploadJobSchema = z.object({
  id: z.string(),
  batchId: z.string(),
  queuedAt: z.number(),
  /** How to reopen the original after a restart (a path), or null when it is staged. */
  sourceRef: z.string().nullable(),
  /** The reopened file's date must still be this one (with its size), or the file changed: SourceGone. */
  sourceModifiedAt: z.number().optional(),
  photo: z.object({
    fileName: z.string(),
    fileKey: z.string(),
    size: z.number().int().nonnegative(),
    mime: z.string(),
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
    takenAt: z.number().int(),
    exif: Exif,
    location: Location.nullable(),
    contentHash: z.string(),
  }),
  blobs: z.array(BlobPlan),
  failure: UploadFailure.nullable(),
});
export type UploadJob = z.infer<typeof UploadJobSchema>;
