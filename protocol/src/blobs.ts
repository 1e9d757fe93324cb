/**
 * @module Blobs: the encrypted originals, thumbnails and previews records point to. A blob is reserved (declared
 * size, quota checked), uploaded (straight to the bucket through presigned URLs, or to the server's own endpoint),
 * committed (the server checks the stored size), then referenced by a record push. Semantics: docs/storage.md.
 */
import { z } from 'zod';
import { TimestampMs, Uuid } from './common';

/** Byte counts: whole, non-negative, exact in a JSON number. */
export const ByteCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const BlobState = z.enum(['reserved', 'committed']);
export type BlobState = z.infer<typeof BlobState>;

export const BlobInfo = z.object({
  id: Uuid,
  /** The ciphertext's exact size in bytes, declared at reservation. */
  size: ByteCount,
  state: BlobState,
  createdAt: TimestampMs,
  committedAt: TimestampMs.nullable(),
});
export type BlobInfo = z.infer<typeof BlobInfo>;

/** A user's storage: committed bytes count against the quota; reserved bytes are held until committed or expired. */
export const StorageUsage = z.object({
  usedBytes: ByteCount,
  reservedBytes: ByteCount,
  quotaBytes: ByteCount,
});
export type StorageUsage = z.infer<typeof StorageUsage>;

// ---------------------------------------------------------------------------------------------------------------
// Upload

/** POST /v1/blobs. Reserving the same id again with the same size is idempotent and answers a fresh target. */
export const ReserveBlobRequest = z
  .object({
    /** Chosen by the client so an upload queued offline keeps its id; the server picks one when omitted. */
    id: Uuid.optional(),
    size: ByteCount,
  })
  .strict();
export type ReserveBlobRequest = z.input<typeof ReserveBlobRequest>;

/** Where to send the bytes. Presigned URLs are short-lived: ask again (POST /v1/blobs/{id}/upload) to resume. */
export const UploadTarget = z.discriminatedUnion('kind', [
  z.object({
    /**
     * PUT to this server path with the access token: the whole body, or the rest from `uploadedBytes` on with
     * `Content-Range: bytes <uploadedBytes>-<size - 1>/<size>` (any piece in order resumes the same way).
     */
    kind: z.literal('server'),
    path: z.string().startsWith('/'),
    /** Bytes of this upload the server already holds (from an earlier, interrupted PUT). */
    uploadedBytes: ByteCount,
  }),
  z.object({
    /** PUT the whole body to `url`, without an Authorization header. */
    kind: z.literal('presigned-put'),
    url: z.url(),
    expiresAt: TimestampMs,
  }),
  z.object({
    /**
     * PUT part n (bytes (n-1)*partSize up to n*partSize) to its URL and keep each answer's ETag header for the
     * commit. Parts already sent need not be sent again after a fresh target.
     */
    kind: z.literal('multipart'),
    partSize: ByteCount,
    parts: z.array(z.object({ partNumber: z.number().int().min(1).max(10_000), url: z.url() })),
    expiresAt: TimestampMs,
  }),
]);
export type UploadTarget = z.infer<typeof UploadTarget>;

export const ReserveBlobResponse = z.object({
  blob: BlobInfo,
  /** null when the blob is already committed (a retried reservation). */
  upload: UploadTarget.nullable(),
  usage: StorageUsage,
});
export type ReserveBlobResponse = z.infer<typeof ReserveBlobResponse>;

export const UploadTargetResponse = z.object({ upload: UploadTarget });
export type UploadTargetResponse = z.infer<typeof UploadTargetResponse>;

/** POST /v1/blobs/{id}/commit. `parts` is required for a multipart upload, and ignored otherwise. */
export const CommitBlobRequest = z
  .object({
    parts: z
      .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
      .max(10_000)
      .optional(),
  })
  .strict();
export type CommitBlobRequest = z.input<typeof CommitBlobRequest>;

export const CommitBlobResponse = z.object({ blob: BlobInfo, usage: StorageUsage });
export type CommitBlobResponse = z.infer<typeof CommitBlobResponse>;

/** Blobs in one batch request: a photo's original, thumbnail and preview, or a few photos' worth. */
export const MAX_BLOBS_PER_BATCH = 100;

/**
 * POST /v1/blobs/reserve-batch: several reservations in one request and one transaction, all or none (one quota
 * check for their sum). Each item behaves as POST /v1/blobs; the answer lists them in the request's order.
 */
export const ReserveBlobsRequest = z
  .object({
    blobs: z
      .array(z.object({ id: Uuid, size: ByteCount }).strict())
      .min(1)
      .max(MAX_BLOBS_PER_BATCH)
      .refine((blobs) => new Set(blobs.map((b) => b.id)).size === blobs.length, 'ids must be distinct'),
  })
  .strict();
export type ReserveBlobsRequest = z.input<typeof ReserveBlobsRequest>;

export const ReserveBlobsResponse = z.object({
  blobs: z.array(z.object({ blob: BlobInfo, upload: UploadTarget.nullable() })),
  usage: StorageUsage,
});
export type ReserveBlobsResponse = z.infer<typeof ReserveBlobsResponse>;

/**
 * POST /v1/blobs/commit-batch: commits several uploaded blobs, all or none: if any is missing or the wrong size
 * the request is refused (naming it) and none is committed. Committing a committed blob again is fine.
 */
export const CommitBlobsRequest = z
  .object({
    blobs: z
      .array(z.object({ id: Uuid, parts: CommitBlobRequest.shape.parts }).strict())
      .min(1)
      .max(MAX_BLOBS_PER_BATCH)
      .refine((blobs) => new Set(blobs.map((b) => b.id)).size === blobs.length, 'ids must be distinct'),
  })
  .strict();
export type CommitBlobsRequest = z.input<typeof CommitBlobsRequest>;

export const CommitBlobsResponse = z.object({ blobs: z.array(BlobInfo), usage: StorageUsage });
export type CommitBlobsResponse = z.infer<typeof CommitBlobsResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Download

/** GET /v1/blobs/{id}/download: where to fetch a blob the caller may read. */
export const DownloadTarget = z.discriminatedUnion('kind', [
  /** GET this server path with the access token (Range requests supported). */
  z.object({ kind: z.literal('server'), path: z.string().startsWith('/'), size: ByteCount }),
  /** GET `url` without an Authorization header (Range requests supported). */
  z.object({ kind: z.literal('presigned-get'), url: z.url(), expiresAt: TimestampMs, size: ByteCount }),
]);
export type DownloadTarget = z.infer<typeof DownloadTarget>;

// ---------------------------------------------------------------------------------------------------------------
// Bring your own bucket

/** PUT /v1/storage/bucket: the user's own S3 bucket for their new blobs; checked with a test write first. */
export const RegisterBucketRequest = z
  .object({
    /** e.g. https://s3.eu-central-1.amazonaws.com; omitted for AWS's default endpoint of `region`. */
    endpoint: z.url().optional(),
    region: z.string().min(1).max(64),
    bucket: z.string().min(3).max(63),
    /** Path-style addressing (endpoint/bucket/key), which most self-hosted S3 services need. */
    forcePathStyle: z.boolean().default(false),
    /** Written before every key, e.g. "halyon/". */
    keyPrefix: z
      .string()
      .max(200)
      .regex(/^([a-zA-Z0-9._-]+\/)*$/, 'must be empty or end in "/"')
      .default(''),
    accessKeyId: z.string().min(1).max(256),
    secretAccessKey: z.string().min(1).max(256),
  })
  .strict();
export type RegisterBucketRequest = z.input<typeof RegisterBucketRequest>;

/** The bucket as the server reports it: never the credentials. */
export const BucketInfo = z.object({
  id: Uuid,
  endpoint: z.string().nullable(),
  region: z.string(),
  bucket: z.string(),
  forcePathStyle: z.boolean(),
  keyPrefix: z.string(),
  verifiedAt: TimestampMs,
});
export type BucketInfo = z.infer<typeof BucketInfo>;

export const BucketResponse = z.object({ bucket: BucketInfo.nullable() });
export type BucketResponse = z.infer<typeof BucketResponse>;
