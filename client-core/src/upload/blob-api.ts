/**
 * @module The blob API as the uploader and the downloader see it (docs/storage.md): reserve, upload target, send
 * the bytes (to the server's own endpoint, a presigned PUT or presigned parts), commit, download target, and the
 * bytes back. Every JSON answer is parsed with the protocol schemas; a bucket's answers (XML, not problem+json)
 * become InvalidResponse with their status, which is enough to tell a retry from a refusal.
 */
import {
  type BucketInfo,
  BucketResponse,
  CommitBlobResponse,
  CommitBlobsResponse,
  DownloadTarget,
  type RegisterBucketRequest,
  ReserveBlobResponse,
  ReserveBlobsResponse,
  type UploadTarget,
  UploadTargetResponse,
} from '@halyon/protocol';
import type { z } from 'zod';
import { err, ok, type Result } from '../result';
import type { TransportError, TransportResult } from '../sync/transport';
import { readJsonAnswer, readProblem } from '../transport/fetch-transport';

export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

/**
 * A body for a whole-blob PUT: bytes in memory, a Blob (which browsers keep on disk when large), or a stream of
 * exactly `size` bytes (sent chunked; browsers stream request bodies only over HTTP/2).
 */
export type BlobBody = Uint8Array | Blob | ReadableStream<Uint8Array>;

export interface BlobApi {
  reserve(id: string, size: number): TransportResult<ReserveBlobResponse>;
  /** Reserves several blobs at once, all or none (a photo's original, thumbnail and preview). */
  reserveMany(blobs: readonly { id: string; size: number }[]): TransportResult<ReserveBlobsResponse>;
  uploadTarget(id: string): TransportResult<UploadTarget>;
  /** Sends the whole blob to a `server` or `presigned-put` target. */
  putWhole(
    target: Exclude<UploadTarget, { kind: 'multipart' }>,
    body: BlobBody,
    size: number,
    signal?: AbortSignal,
  ): TransportResult<void>;
  /**
   * Sends the rest of a blob to a `server` target that holds its first `from` bytes already (the target's
   * `uploadedBytes`): the body is bytes `from` to `size - 1`, sent with Content-Range.
   */
  putRest(
    target: Extract<UploadTarget, { kind: 'server' }>,
    body: BlobBody,
    from: number,
    size: number,
    signal?: AbortSignal,
  ): TransportResult<void>;
  /** Sends one part of a multipart target; answers the part's ETag for the commit. */
  putPart(url: string, bytes: Uint8Array, signal?: AbortSignal): TransportResult<string>;
  commit(id: string, parts?: readonly CompletedPart[]): TransportResult<CommitBlobResponse>;
  /** Commits several uploaded blobs at once, all or none. */
  commitMany(
    blobs: readonly { id: string; parts?: readonly CompletedPart[] | undefined }[],
  ): TransportResult<CommitBlobsResponse>;
  downloadTarget(id: string): TransportResult<DownloadTarget>;
  /** The stored bytes of a blob, streamed. */
  openDownload(target: DownloadTarget, signal?: AbortSignal): TransportResult<ReadableStream<Uint8Array>>;
}

export interface FetchBlobApiOptions {
  /** e.g. "http://127.0.0.1:8787" (no trailing /v1). */
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  readonly accessToken: () => string | null | Promise<string | null>;
}

const networkFailure = (cause: unknown): Result<never, TransportError> =>
  err({ type: 'NetworkFailure', message: cause instanceof Error ? cause.message : String(cause) });

/** A bucket's refusal: S3 answers XML, so only the status is meaningful here. */
const bucketRefusal = async (response: Response): Promise<Result<never, TransportError>> => {
  await response.body?.cancel();
  return err({ type: 'InvalidResponse', status: response.status, reason: 'the bucket refused the request' });
};

/** The caller's own bucket (docs/storage.md, "Bring your own bucket"): where their new blobs go. */
export interface BucketApi {
  /** The registered bucket, or null when new blobs go to the server's storage. */
  getBucket(): TransportResult<BucketInfo | null>;
  /** Registers a bucket after the server's test write (a failed one is `422 storage_check_failed`). */
  registerBucket(request: RegisterBucketRequest): TransportResult<BucketInfo>;
  /** New blobs go to the server's storage again; those in the bucket stay readable there. */
  removeBucket(): TransportResult<void>;
}

export const createFetchBlobApi = (options: FetchBlobApiOptions): BlobApi & BucketApi => {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');

  const authHeaders = async (): Promise<Record<string, string>> => {
    const token = await options.accessToken();
    return token ? { Authorization: `Bearer ${token}` } : {};
  };

  const send = async (url: string, init: RequestInit): Promise<Result<Response, TransportError>> => {
    try {
      return ok(await doFetch(url, init));
    } catch (cause) {
      return networkFailure(cause);
    }
  };

  const callJson = async <S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): TransportResult<z.infer<S>> => {
    const headers: Record<string, string> = { Accept: 'application/json', ...(await authHeaders()) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await send(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.ok ? readJsonAnswer(response.value, schema) : response;
  };

  /** Runs a request whose success has no body worth reading; errors are problems (server) or refusals (bucket). */
  const expectEmpty = async (
    response: Result<Response, TransportError>,
    fromServer: boolean,
  ): TransportResult<Response> => {
    if (!response.ok) return response;
    const answer = response.value;
    if (answer.ok) return ok(answer);
    return fromServer ? readProblem(answer) : bucketRefusal(answer);
  };

  /** PUT bytes `from` to `size - 1` of a blob (the whole blob when `from` is 0). */
  const put = async (
    target: Exclude<UploadTarget, { kind: 'multipart' }>,
    body: BlobBody,
    from: number,
    size: number,
    signal?: AbortSignal,
  ): TransportResult<void> => {
    const fromServer = target.kind === 'server';
    const headers: Record<string, string> = fromServer ? await authHeaders() : {};
    headers['Content-Type'] = 'application/octet-stream';
    if (from > 0) headers['Content-Range'] = `bytes ${from}-${size - 1}/${size}`;
    // A stream goes out chunked (fetch sets no Content-Length for it); the server holds it to the declared size.
    const streamed = body instanceof ReadableStream;
    if (!streamed) headers['Content-Length'] = String(size - from);
    const init: RequestInit & { duplex?: 'half' } = { method: 'PUT', headers, body: body as BodyInit };
    if (streamed) init.duplex = 'half';
    if (signal) init.signal = signal;
    const url = fromServer ? `${base}${target.path}` : target.url;
    const answer = await expectEmpty(await send(url, init), fromServer);
    if (!answer.ok) return answer;
    await answer.value.body?.cancel();
    return ok(undefined);
  };

  return {
    reserve: (id, size) => callJson(ReserveBlobResponse, 'POST', '/v1/blobs', { id, size }),
    reserveMany: (blobs) => callJson(ReserveBlobsResponse, 'POST', '/v1/blobs/reserve-batch', { blobs }),
    uploadTarget: async (id) => {
      const answer = await callJson(UploadTargetResponse, 'POST', `/v1/blobs/${id}/upload`);
      return answer.ok ? ok(answer.value.upload) : answer;
    },
    putWhole: (target, body, size, signal) => put(target, body, 0, size, signal),
    putRest: (target, body, from, size, signal) => put(target, body, from, size, signal),
    async putPart(url, bytes, signal) {
      const init: RequestInit = { method: 'PUT', body: bytes as BodyInit };
      if (signal) init.signal = signal;
      const answer = await expectEmpty(await send(url, init), false);
      if (!answer.ok) return answer;
      await answer.value.body?.cancel();
      const etag = answer.value.headers.get('etag');
      if (!etag)
        return err({ type: 'InvalidResponse', status: answer.value.status, reason: 'a part without ETag' });
      return ok(etag);
    },
    commit: (id, parts) =>
      callJson(CommitBlobResponse, 'POST', `/v1/blobs/${id}/commit`, parts ? { parts } : {}),
    commitMany: (blobs) =>
      callJson(CommitBlobsResponse, 'POST', '/v1/blobs/commit-batch', {
        blobs: blobs.map(({ id, parts }) => (parts ? { id, parts } : { id })),
      }),
    downloadTarget: (id) => callJson(DownloadTarget, 'GET', `/v1/blobs/${id}/download`),
    async openDownload(target, signal) {
      const fromServer = target.kind === 'server';
      const init: RequestInit = { headers: fromServer ? await authHeaders() : {} };
      if (signal) init.signal = signal;
      const url = fromServer ? `${base}${target.path}` : target.url;
      const answer = await expectEmpty(await send(url, init), fromServer);
      if (!answer.ok) return answer;
      const body = answer.value.body;
      if (!body) return err({ type: 'InvalidResponse', status: answer.value.status, reason: 'no body' });
      return ok(body);
    },
    getBucket: async () => {
      const answer = await callJson(BucketResponse, 'GET', '/v1/storage/bucket');
      return answer.ok ? ok(answer.value.bucket) : answer;
    },
    registerBucket: async (request) => {
      const answer = await callJson(BucketResponse, 'PUT', '/v1/storage/bucket', request);
      if (!answer.ok) return answer;
      const { bucket } = answer.value;
      return bucket
        ? ok(bucket)
        : err({ type: 'InvalidResponse', status: 200, reason: 'no bucket registered' });
    },
    async removeBucket() {
      const init = { method: 'DELETE', headers: await authHeaders() };
      const answer = await expectEmpty(await send(`${base}/v1/storage/bucket`, init), true);
      if (!answer.ok) return answer;
      await answer.value.body?.cancel();
      return ok(undefined);
    },
  };
};

/**
 * Failures worth another try: no answer, a busy or failing server or bucket, an expired presigned URL (403). A full
 * quota (507) is not: trying again changes nothing until the person makes room.
 */
export const isRetryableBlobError = (error: TransportError): boolean =>
  error.type === 'NetworkFailure' ||
  (error.status >= 500 && !(error.type === 'ProblemResponse' && error.problem.code === 'quota_exceeded')) ||
  error.status === 429 ||
  (error.type === 'InvalidResponse' && error.status === 403);
