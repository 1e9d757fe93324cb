/**
 * @module The S3 blob store, through the official AWS SDK v3. Besides the plain store operations it hands out
 * short-lived presigned URLs, so clients upload (single PUT, or multipart over a threshold) and download straight
 * to and from the bucket, and the server only checks sizes and completes uploads. What the server stores itself
 * (a browser's blob for a user's own bucket: [Note: Targets a browser can reach]) goes up the same two ways. Works with any S3-compatible
 * service (path-style addressing for those that need it; tested against s3rver on loopback).
 */

import { pipeline } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { err, ok, type Result } from '../../../result';
import {
  assertValidKey,
  type BlobBody,
  type BlobRead,
  type CompletedPart,
  type DirectUploadStore,
  partSizeFor,
  type SizeMismatch,
} from './blob-store';
import { coalesce, exactSizeLimiter, toAsyncIterable, toNodeReadable } from './body';

export type S3Location = {
  /** e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000; omitted for AWS's default endpoint. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** Path-style URLs (endpoint/bucket/key) instead of virtual hosts; needed by most self-hosted services. */
  readonly forcePathStyle: boolean;
  /** Prepended to every key, so one bucket can hold other things too. Empty or ending in '/'. */
  readonly keyPrefix?: string;
};

export type S3Credentials = { readonly accessKeyId: string; readonly secretAccessKey: string };

export type S3StoreOptions = S3Location & {
  readonly credentials: S3Credentials;
  /** Lifetime of presigned URLs. Short: a URL leaks only until it expires; clients ask again to resume. */
  readonly presignExpirySeconds: number;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
};

export type S3BlobStore = DirectUploadStore & {
  /** Sets the bucket's CORS rules to BROWSER_CORS_RULES for these origins (see docs/storage.md). */
  applyBrowserCors(allowedOrigins: readonly string[]): Promise<void>;
  close(): void;
};

/**
 * What a browser needs from the bucket: PUT (single uploads and parts) and GET (downloads, with Range), the
 * headers the SDK signs, and ETag exposed so the client can report finished parts when completing a multipart
 * upload. Mirrored in docs/storage.md.
 */
export const BROWSER_CORS_RULE = {
  AllowedMethods: ['GET', 'HEAD', 'PUT'],
  AllowedHeaders: ['content-type', 'content-length', 'range', 'x-amz-*'],
  ExposeHeaders: ['ETag', 'Content-Length', 'Content-Range'],
  MaxAgeSeconds: 3600,
} as const;

export function createS3BlobStore(options: S3StoreOptions): S3BlobStore {
  const client = new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Checksums only where S3 demands them: the default (CRC32 trailers on every upload) breaks presigned browser
    // uploads and makes some S3-compatible servers store streamed bodies corrupted.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = options.bucket;
  const prefix = options.keyPrefix ?? '';
  const objectKey = (key: string): string => {
    assertValidKey(key);
    return prefix + key;
  };
  const expiresIn = options.presignExpirySeconds;
  const presigned = async (signing: Promise<string>): Promise<{ url: string; expiresAt: Date }> => {
    const expiresAt = new Date(Date.now() + expiresIn * 1000);
    return { url: await signing, expiresAt };
  };

  const putWhole = async (key: string, body: BlobBody, size: number): Promise<Result<void, SizeMismatch>> => {
    const limiter = exactSizeLimiter(size);
    let bodyFailed = false;
    // A failed body must also end the HTTP request; the SDK does not notice a body stream's error by itself.
    const abort = new AbortController();
    const limited = pipeline(toNodeReadable(body), limiter, (error) => {
      if (!error) return;
      bodyFailed = true;
      abort.abort(error);
    });
    try {
      // A single PUT is atomic in S3: a failed or short body stores nothing.
      await client.send(
        new PutObjectCommand({ Bucket, Key: objectKey(key), Body: limited, ContentLength: size }),
        {
          abortSignal: abort.signal,
        },
      );
    } catch (error) {
      if (bodyFailed) return err(limiter.mismatch() ?? limiter.shortBody());
      throw error;
    }
    return ok(undefined);
  };

  /**
   * A body above the multipart threshold (S3 takes at most 5 GiB in one PUT) goes up in parts, through the store's
   * own multipart operations: the server's own upload target streams a browser's blob into a user's bucket this
   * way. The object appears only when the upload completes; a body of the wrong size, or one that stops, aborts it,
   * so nothing is left behind.
   */
  const putInParts = async (
    key: string,
    body: BlobBody,
    size: number,
  ): Promise<Result<void, SizeMismatch>> => {
    const uploadId = await store.startMultipartUpload(key);
    // An upload S3 no longer has is gone already; anything else is left to the bucket's lifecycle rules.
    const abort = () => store.abortMultipartUpload(key, uploadId).catch(() => undefined);
    let received = 0;
    let bodyFailed = false;
    const mismatch = (): SizeMismatch => ({
      type: 'SizeMismatch',
      expectedBytes: size,
      receivedBytes: received,
    });
    async function* watched(): AsyncGenerator<Uint8Array> {
      try {
        yield* toAsyncIterable(body);
      } catch (error) {
        bodyFailed = true;
        throw error;
      }
    }
    try {
      const parts: CompletedPart[] = [];
      for await (const piece of coalesce(watched(), partSizeFor(size, options.partSizeBytes))) {
        received += piece.byteLength;
        if (received > size) break;
        const partNumber = parts.length + 1;
        const sent = await client.send(
          new UploadPartCommand({
            Bucket,
            Key: objectKey(key),
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: piece,
            ContentLength: piece.byteLength,
          }),
        );
        parts.push({ partNumber, etag: sent.ETag ?? '' });
      }
      if (received !== size) {
        await abort();
        return err(mismatch());
      }
      const completed = await store.completeMultipartUpload(key, uploadId, parts);
      if (!completed.ok)
        throw new Error(`S3 refused the parts it was sent: ${JSON.stringify(completed.error)}`);
      return ok(undefined);
    } catch (error) {
      await abort();
      if (bodyFailed) return err(mismatch());
      throw error;
    }
  };

  const store: S3BlobStore = {
    kind: 's3',
    multipartThresholdBytes: options.multipartThresholdBytes,
    partSizeBytes: options.partSizeBytes,

    put(key, body, size) {
      return size > options.multipartThresholdBytes ? putInParts(key, body, size) : putWhole(key, body, size);
    },

    async stat(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: objectKey(key) }));
        return { size: head.ContentLength ?? 0 };
      } catch (error) {
        if (isS3Error(error, ['NotFound', 'NoSuchKey'])) return null;
        throw error;
      }
    },

    async read(key, range): Promise<BlobRead | null> {
      try {
        const object = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: objectKey(key),
            ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
          }),
        );
        if (!object.Body) throw new Error('S3 answered an object without a body');
        const total = object.ContentRange?.split('/')[1];
        return {
          body: object.Body.transformToWebStream() as ReadableStream<Uint8Array>,
          size: total !== undefined ? Number(total) : (object.ContentLength ?? 0),
          ...(range ? { range } : {}),
        };
      } catch (error) {
        if (isS3Error(error, ['NoSuchKey', 'NotFound'])) return null;
        throw error;
      }
    },

    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: objectKey(key) }));
    },

    presignPut(key, size) {
      const command = new PutObjectCommand({ Bucket, Key: objectKey(key), ContentLength: size });
      return presigned(getSignedUrl(client, command, { expiresIn }));
    },

    presignGet(key) {
      const command = new GetObjectCommand({ Bucket, Key: objectKey(key) });
      return presigned(getSignedUrl(client, command, { expiresIn }));
    },

    async startMultipartUpload(key) {
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: objectKey(key) }));
      if (!created.UploadId) throw new Error('S3 started a multipart upload without an upload id');
      return created.UploadId;
    },

    presignParts(key, uploadId, partNumbers) {
      return Promise.all(
        partNumbers.map(async (partNumber) => ({
          partNumber,
          ...(await presigned(
            getSignedUrl(
              client,
              new UploadPartCommand({
                Bucket,
                Key: objectKey(key),
                UploadId: uploadId,
                PartNumber: partNumber,
              }),
              { expiresIn },
            ),
          )),
        })),
      );
    },

    async completeMultipartUpload(key, uploadId, parts) {
      try {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key: objectKey(key),
            UploadId: uploadId,
            MultipartUpload: {
              Parts: [...parts]
                .sort((a, b) => a.partNumber - b.partNumber)
                .map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
            },
          }),
        );
        return ok(undefined);
      } catch (error) {
        if (isS3Error(error, ['NoSuchUpload'])) return err({ type: 'NoSuchUpload' });
        if (isS3Error(error, ['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall'])) {
          return err({ type: 'InvalidParts', detail: (error as Error).message });
        }
        throw error;
      }
    },

    async abortMultipartUpload(key, uploadId) {
      try {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket, Key: objectKey(key), UploadId: uploadId }),
        );
      } catch (error) {
        if (!isS3Error(error, ['NoSuchUpload'])) throw error;
      }
    },

    async applyBrowserCors(allowedOrigins) {
      await client.send(
        new PutBucketCorsCommand({
          Bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: [...allowedOrigins],
                AllowedMethods: [...BROWSER_CORS_RULE.AllowedMethods],
                AllowedHeaders: [...BROWSER_CORS_RULE.AllowedHeaders],
                ExposeHeaders: [...BROWSER_CORS_RULE.ExposeHeaders],
                MaxAgeSeconds: BROWSER_CORS_RULE.MaxAgeSeconds,
              },
            ],
          },
        }),
      );
    },

    close() {
      client.destroy();
    },
  };
  return store;
}

function isS3Error(error: unknown, names: readonly string[]): boolean {
  return error instanceof S3ServiceException && names.includes(error.name);
}
