/**
 * @module The blobs HTTP edge, mounted under /v1: reserve, upload targets, the server's own upload and download
 * endpoint, commit, download targets, usage, and the caller's own bucket. Every route needs an access token and is
 * rate-limited per session.
 *
 * Mounted in app.ts before the global body cap: the upload endpoint streams up to the blob's declared size (held
 * to it byte by byte by the store), and the JSON routes here carry their own small cap.
 */
import type { IncomingMessage } from 'node:http';
import {
  BucketResponse,
  CommitBlobRequest,
  CommitBlobResponse,
  CommitBlobsRequest,
  CommitBlobsResponse,
  DownloadTarget,
  RegisterBucketRequest,
  ReserveBlobRequest,
  ReserveBlobResponse,
  ReserveBlobsRequest,
  ReserveBlobsResponse,
  StorageUsage,
  UploadTargetResponse,
  Uuid,
} from '@halyon/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import type { AppEnv } from '../../http/app-env';
import { problem } from '../../http/problem';
import { parseOrThrow, readJson } from '../../http/read-json';
import { requireAuth } from '../../middleware/auth';
import { bodyLimit } from '../../middleware/body-limit';
import { rateLimit } from '../../middleware/rate-limit';
import type { RouteSpec } from '../../openapi/route-spec';
import {
  type BlobError,
  type BlobsDeps,
  type BucketError,
  commitBlob,
  commitBlobs,
  getBucket,
  getDownloadTarget,
  getUploadTarget,
  getUsage,
  readBlobContent,
  registerBucket,
  removeBucket,
  reserveBlob,
  reserveBlobs,
  type TargetReach,
  uploadBlobContent,
} from './blobs.service';

const JSON_BODY_LIMIT = 1024 * 1024; // a commit lists at most 10,000 parts
const BlobIdParams = z.object({ id: Uuid });

export function createBlobRoutes(
  deps: Pick<AppDeps, 'db' | 'clock' | 'config'>,
  blobs: BlobsDeps,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const authenticated = [
    requireAuth(deps),
    rateLimit({ ...deps.config.rateLimit, clock: deps.clock }),
  ] as const;
  // Paths, not '*': a '*' here would also run for every other router mounted under /v1. ('/blobs/*' also
  // matches '/blobs'.)
  routes.use('/blobs/*', ...authenticated);
  routes.use('/storage/*', ...authenticated);
  const jsonLimit = bodyLimit(JSON_BODY_LIMIT);
  const idOf = (c: { req: { param(): Record<string, string> } }) =>
    parseOrThrow(BlobIdParams, c.req.param()).id;
  // See: [Note: Targets a browser can reach]
  const reachOf = (c: { req: { header(name: string): string | undefined } }): TargetReach =>
    c.req.header('sec-fetch-site') === undefined ? 'any-origin' : 'default-store-only';

  routes.post('/blobs', jsonLimit, async (c) => {
    const input = await readJson(c, ReserveBlobRequest);
    const result = await reserveBlob(blobs, c.get('auth').userId, input, reachOf(c));
    if (!result.ok) throw blobProblem(result.error);
    return c.json(result.value satisfies ReserveBlobResponse, 201);
  });

  routes.post('/blobs/reserve-batch', jsonLimit, async (c) => {
    const input = await readJson(c, ReserveBlobsRequest);
    const result = await reserveBlobs(blobs, c.get('auth').userId, input.blobs, reachOf(c));
    if (!result.ok) throw blobProblem(result.error);
    return c.json(result.value satisfies ReserveBlobsResponse, 201);
  });

  routes.post('/blobs/commit-batch', jsonLimit, async (c) => {
    const input = await readJson(c, CommitBlobsRequest);
    const result = await commitBlobs(blobs, c.get('auth').userId, input.blobs);
    if (!result.ok) throw blobProblem(result.error);
    return c.json(result.value satisfies CommitBlobsResponse);
  });

  routes.get('/blobs/usage', async (c) => {
    return c.json((await getUsage(blobs, c.get('auth').userId)) satisfies StorageUsage);
  });

  routes.post('/blobs/:id/upload', async (c) => {
    const result = await getUploadTarget(blobs, c.get('auth').userId, idOf(c), reachOf(c));
    if (!result.ok) throw blobProblem(result.error);
    return c.json({ upload: result.value } satisfies UploadTargetResponse);
  });

  routes.put('/blobs/:id/content', async (c) => {
    const id = idOf(c);
    const declared = c.req.header('content-length');
    // Served by @hono/node-server, the Node request itself is read: the web stream Hono would wrap it in costs a
    // conversion per network chunk. (In-process tests have only the web request.)
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const body = incoming ?? c.req.raw.body ?? new Response(new Uint8Array(0)).body!;
    const result = await uploadBlobContent(blobs, c.get('auth').userId, id, body, {
      contentLength: declared === undefined ? null : Number(declared),
      contentRange: c.req.header('content-range') ?? null,
    });
    if (!result.ok) throw blobProblem(result.error);
    return c.body(null, 204);
  });

  routes.post('/blobs/:id/commit', jsonLimit, async (c) => {
    const id = idOf(c);
    const { parts } = await readJson(c, CommitBlobRequest);
    const result = await commitBlob(blobs, c.get('auth').userId, id, parts);
    if (!result.ok) throw blobProblem(result.error);
    return c.json(result.value satisfies CommitBlobResponse);
  });

  routes.get('/blobs/:id/download', async (c) => {
    const result = await getDownloadTarget(blobs, c.get('auth').userId, idOf(c), reachOf(c));
    if (!result.ok) throw blobProblem(result.error);
    return c.json(result.value satisfies DownloadTarget);
  });

  routes.get('/blobs/:id/content', async (c) => {
    const result = await readBlobContent(blobs, c.get('auth').userId, idOf(c), c.req.header('range'));
    if (!result.ok) throw blobProblem(result.error);
    const { body, size, range } = result.value;
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, no-store',
      'Content-Length': String(range ? range.end - range.start : size),
    };
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end - 1}/${size}`;
    return new Response(body, { status: range ? 206 : 200, headers });
  });

  routes.get('/storage/bucket', async (c) => {
    return c.json({ bucket: await getBucket(blobs, c.get('auth').userId) } satisfies BucketResponse);
  });

  routes.put('/storage/bucket', jsonLimit, async (c) => {
    const input = await readJson(c, RegisterBucketRequest);
    const result = await registerBucket(blobs, c.get('auth').userId, input);
    if (!result.ok) throw bucketProblem(result.error);
    return c.json({ bucket: result.value } satisfies BucketResponse);
  });

  routes.delete('/storage/bucket', async (c) => {
    await removeBucket(blobs, c.get('auth').userId);
    return c.body(null, 204);
  });

  return routes;
}

function blobProblem(error: BlobError) {
  switch (error.type) {
    case 'BlobNotFound':
      return problem(404, 'blob_not_found', 'No blob with this id that you may use.');
    case 'BlobExists':
      return problem(409, 'blob_exists', error.detail);
    case 'BlobTooLarge':
      return problem(413, 'payload_too_large', `A blob may be at most ${error.maxBytes} bytes.`);
    case 'QuotaExceeded':
      return problem(
        507,
        'quota_exceeded',
        `This needs ${error.requestedBytes} bytes; ${error.usedBytes} of your ${error.quotaBytes} are used and ` +
          `${error.reservedBytes} are held by unfinished uploads.`,
      );
    case 'SizeMismatch':
      return problem(409, 'blob_size_mismatch', error.detail);
    case 'UploadOffsetMismatch':
      return problem(
        409,
        'blob_size_mismatch',
        `The server holds ${error.uploadedBytes} bytes of this upload: send the rest from byte ${error.uploadedBytes}.`,
      );
    case 'PartsRequired':
      return problem(400, 'validation_failed', 'See `issues`.', {
        issues: [
          { path: 'parts', message: 'list the partNumber and ETag of every part to complete the upload' },
        ],
      });
    case 'RangeNotSatisfiable':
      return problem(416, 'range_not_satisfiable', `The blob has ${error.size} bytes.`, {
        headers: { 'Content-Range': `bytes */${error.size}` },
      });
  }
}

function bucketProblem(error: BucketError) {
  switch (error.type) {
    case 'BucketsDisabled':
      return problem(403, 'forbidden', 'This server does not store blobs in users’ own buckets.');
    case 'BucketEndpointRefused':
      return problem(400, 'validation_failed', 'See `issues`.', {
        issues: [{ path: 'endpoint', message: error.detail }],
      });
    case 'StorageCheckFailed':
      return problem(422, 'storage_check_failed', error.detail);
  }
}

const tags = ['blobs'];
const blobIdPath = { params: BlobIdParams };

export const blobRouteSpecs: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/v1/blobs',
    operationId: 'reserveBlob',
    summary: 'Reserve a blob of a declared size under your quota, and get where to upload it',
    description:
      'Reserving an id you already hold with the same size is a retry: it answers a fresh upload target ' +
      '(null once committed). A browser (a request with Sec-Fetch-Site) is given the server’s own target for a ' +
      'blob in the caller’s own bucket, which the web app’s CSP cannot reach; other clients go to the bucket. ' +
      'See docs/storage.md for the whole upload flow.',
    tags,
    auth: true,
    request: { body: ReserveBlobRequest },
    responses: {
      201: { description: 'The reservation and its upload target.', schema: ReserveBlobResponse },
    },
    errors: ['blob_exists', 'quota_exceeded', 'payload_too_large'],
  },
  {
    method: 'post',
    path: '/v1/blobs/reserve-batch',
    operationId: 'reserveBlobs',
    summary: 'Reserve several blobs (e.g. a photo and its thumbnails) in one request, all or none',
    description:
      'One transaction and one quota check for the sum of the new reservations. Each item behaves as in ' +
      'reserveBlob (an id you hold with the same size is a retry); the answer lists them in the order asked.',
    tags,
    auth: true,
    request: { body: ReserveBlobsRequest },
    responses: {
      201: { description: 'The reservations and their upload targets.', schema: ReserveBlobsResponse },
    },
    errors: ['blob_exists', 'quota_exceeded', 'payload_too_large'],
  },
  {
    method: 'post',
    path: '/v1/blobs/commit-batch',
    operationId: 'commitBlobs',
    summary: 'Commit several uploaded blobs in one request, all or none',
    description:
      'Each blob is checked as in commitBlob; if any is missing or the wrong size, none is committed and the ' +
      'problem names it. Committed blobs may be listed again.',
    tags,
    auth: true,
    request: { body: CommitBlobsRequest },
    responses: { 200: { description: 'The committed blobs and your usage.', schema: CommitBlobsResponse } },
    errors: ['blob_not_found', 'blob_size_mismatch'],
  },
  {
    method: 'get',
    path: '/v1/blobs/usage',
    operationId: 'getStorageUsage',
    summary: 'Your committed and reserved bytes, and your quota',
    tags,
    auth: true,
    responses: { 200: { description: 'Usage.', schema: StorageUsage } },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/blobs/{id}/upload',
    operationId: 'getUploadTarget',
    summary: 'A fresh upload target for a reservation (to resume after presigned URLs expired)',
    tags,
    auth: true,
    request: blobIdPath,
    responses: { 200: { description: 'Where to upload.', schema: UploadTargetResponse } },
    errors: ['blob_not_found', 'blob_exists'],
  },
  {
    method: 'put',
    path: '/v1/blobs/{id}/content',
    operationId: 'uploadBlobContent',
    summary: 'Upload a blob through the server (the `server` upload target), whole or in resumable pieces',
    description:
      'The body is raw ciphertext (application/octet-stream): the whole blob, or with `Content-Range: bytes ' +
      "first-last/size` the next piece. What arrives of a cut-off upload is kept: the upload target's " +
      '`uploadedBytes` says where to continue. The blob is visible (and can be committed) once complete.',
    tags,
    auth: true,
    request: blobIdPath,
    responses: { 204: { description: 'Stored; commit it next.' } },
    errors: ['blob_not_found', 'blob_exists', 'blob_size_mismatch'],
  },
  {
    method: 'post',
    path: '/v1/blobs/{id}/commit',
    operationId: 'commitBlob',
    summary: 'Commit an uploaded blob: the server checks the stored size (and completes a multipart upload)',
    description:
      'Committing twice answers the committed blob. Only committed blobs can be referenced by records.',
    tags,
    auth: true,
    request: { ...blobIdPath, body: CommitBlobRequest },
    responses: { 200: { description: 'The committed blob and your usage.', schema: CommitBlobResponse } },
    errors: ['blob_not_found', 'blob_size_mismatch'],
  },
  {
    method: 'get',
    path: '/v1/blobs/{id}/download',
    operationId: 'getDownloadTarget',
    summary: 'Where to download a blob you may read (yours, or one a record you can see refers to)',
    description:
      'A presigned URL to the bucket, or the server’s own path: always for the filesystem store, and for a ' +
      'browser (a request with Sec-Fetch-Site) when the blob is in a user’s own bucket.',
    tags,
    auth: true,
    request: blobIdPath,
    responses: { 200: { description: 'A presigned URL or the server path.', schema: DownloadTarget } },
    errors: ['blob_not_found'],
  },
  {
    method: 'get',
    path: '/v1/blobs/{id}/content',
    operationId: 'readBlobContent',
    summary: 'Stream a blob you may read through the server; one `Range: bytes=` range is honoured',
    tags,
    auth: true,
    request: blobIdPath,
    responses: {
      200: { description: 'The ciphertext.', contentType: 'application/octet-stream' },
      206: { description: 'The requested range of the ciphertext.', contentType: 'application/octet-stream' },
    },
    errors: ['blob_not_found', 'range_not_satisfiable'],
  },
  {
    method: 'get',
    path: '/v1/storage/bucket',
    operationId: 'getBucket',
    summary: 'Your own bucket, if you registered one (never its credentials)',
    tags,
    auth: true,
    responses: { 200: { description: 'The bucket or null.', schema: BucketResponse } },
    errors: [],
  },
  {
    method: 'put',
    path: '/v1/storage/bucket',
    operationId: 'registerBucket',
    summary: 'Store your new blobs in your own S3 bucket, after a test write',
    description:
      'Credentials are encrypted at rest with the server key. The bucket needs the CORS rules in docs/storage.md.',
    tags,
    auth: true,
    request: { body: RegisterBucketRequest },
    responses: { 200: { description: 'The registered bucket.', schema: BucketResponse } },
    errors: ['storage_check_failed', 'forbidden'],
  },
  {
    method: 'delete',
    path: '/v1/storage/bucket',
    operationId: 'removeBucket',
    summary: 'Store new blobs on the server again; blobs already in your bucket stay readable there',
    tags,
    auth: true,
    responses: { 204: { description: 'Done.' } },
    errors: [],
  },
];
