/**
 * @module The storage behind blobs. A store keeps opaque ciphertext objects under keys chosen by the blobs service;
 * it knows nothing about owners, quotas or records. Two implementations: the local filesystem (the default) and S3.
 * S3 can also hand out presigned URLs so bytes go straight between the client and the bucket (`DirectUploadStore`).
 */
import type { Result } from '../../../result';

/** A byte range inside an object: `start` inclusive, `end` exclusive. */
export type ByteRange = { readonly start: number; readonly end: number };

export type BlobBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The body did not have exactly the expected size. `receivedBytes` is at least what arrived before we stopped. */
export type SizeMismatch = {
  readonly type: 'SizeMismatch';
  readonly expectedBytes: number;
  readonly receivedBytes: number;
};

export type BlobRead = {
  readonly body: ReadableStream<Uint8Array>;
  /** The whole object's size. */
  readonly size: number;
  /** The range served, when one was asked for. */
  readonly range?: ByteRange;
};

export interface BlobStore {
  readonly kind: 'filesystem' | 's3';
  /**
   * Stores `body`, which must be exactly `size` bytes, under `key`. Atomic: a reader sees the old object (or none)
   * until the whole new one is stored; a failed or short write leaves nothing visible.
   */
  put(key: string, body: BlobBody, size: number): Promise<Result<void, SizeMismatch>>;
  /** The stored size, or null when there is no object under `key`. */
  stat(key: string): Promise<{ readonly size: number } | null>;
  /** Streams the object (or a range of it, which must lie inside it); null when there is no object. */
  read(key: string, range?: ByteRange): Promise<BlobRead | null>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
}

/** An append that does not start where the unfinished upload ends. */
export type OffsetMismatch = { readonly type: 'OffsetMismatch'; readonly uploadedBytes: number };

/**
 * A store the server uploads into in resumable pieces (the 'server' upload target on the filesystem). The unfinished
 * upload is invisible; the blob appears, atomically, when its last byte is appended.
 */
export interface ResumableUploadStore extends BlobStore {
  /** Bytes held for the unfinished upload under `key` (0 when there is none). */
  uploadedBytes(key: string): Promise<number>;
  /**
   * Appends `body`, which must be `length` bytes, at `offset` of the unfinished upload of a `size`-byte blob
   * (`offset` 0 starts over). A body cut off keeps what arrived, so the upload resumes from there.
   */
  append(
    key: string,
    piece: { readonly offset: number; readonly length: number; readonly size: number },
    body: BlobBody,
  ): Promise<Result<{ readonly complete: boolean }, SizeMismatch | OffsetMismatch>>;
}

export const isResumableUploadStore = (store: BlobStore): store is ResumableUploadStore =>
  'append' in store && typeof store.append === 'function';

export type PresignedRequest = { readonly url: string; readonly expiresAt: Date };
export type CompletedPart = { readonly partNumber: number; readonly etag: string };
export type MultipartError =
  | { readonly type: 'NoSuchUpload' }
  | { readonly type: 'InvalidParts'; readonly detail: string };

/** A store the client can upload to and download from directly, through short-lived presigned URLs. */
export interface DirectUploadStore extends BlobStore {
  readonly kind: 's3';
  /** Objects above this size are uploaded in parts. */
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  presignPut(key: string, size: number): Promise<PresignedRequest>;
  presignGet(key: string): Promise<PresignedRequest>;
  startMultipartUpload(key: string): Promise<string>;
  presignParts(
    key: string,
    uploadId: string,
    partNumbers: readonly number[],
  ): Promise<ReadonlyArray<PresignedRequest & { readonly partNumber: number }>>;
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<Result<void, MultipartError>>;
  /** Drops an unfinished multipart upload and its parts; an unknown upload id is not an error. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}

export const isDirectUploadStore = (store: BlobStore): store is DirectUploadStore => store.kind === 's3';

/** S3 allows at most 10,000 parts per upload. */
export const MAX_PARTS = 10_000;

/** The part size for an object of `size` bytes: the store's part size, grown (by whole MiB) to fit in MAX_PARTS. */
export function partSizeFor(size: number, minPartSizeBytes: number): number {
  const mib = 1024 * 1024;
  return Math.max(minPartSizeBytes, Math.ceil(size / MAX_PARTS / mib) * mib);
}

/** How many parts of `partSizeBytes` an object of `size` bytes is cut into. */
export function partCount(size: number, partSizeBytes: number): number {
  return Math.max(1, Math.ceil(size / partSizeBytes));
}

/** Keys are made by the service from ids; anything else is a bug, so it throws. */
export function assertValidKey(key: string): void {
  // Every segment starts with [a-z0-9], so no `.`, `..` or empty segment can reach a path join.
  if (!/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/.test(key)) {
    throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
  }
}
