/**
 * @module The blob lifecycle: reserve (quota) -> upload (presigned, or through the server) -> commit (size check)
 * -> referenced by records -> readable by the members of their collections -> collected when no longer referenced
 * (blobs.gc.ts). Expected refusals are values; the routes turn them into problems.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type {
  BlobInfo,
  BucketInfo,
  DownloadTarget,
  RegisterBucketRequest,
  StorageUsage,
  UploadTarget,
} from '@halyon/protocol';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/schema';
import { err, ok, type Result } from '../../result';
import type { BlobStores, StorageConfigRecord } from './blob-stores';
import { createUserBucketStore } from './blob-stores';
import type { BlobsConfig } from './blobs.config';
import {
  addUsedBytes,
  type BlobRow,
  claimMultipartUpload,
  deactivateStorageConfigs,
  findActiveStorageConfig,
  findBlob,
  findBlobs,
  findBlobsForUpdate,
  findQuota,
  findReadableBlob,
  findStorageConfigOrThrow,
  forgetMultipartUpload,
  insertBlobsIfAbsent,
  lockQuota,
  markCommittedMany,
  replaceActiveStorageConfig,
  reservedBytes,
  type StorageConfigRow,
} from './blobs.repository';
import { encryptCredentials } from './credentials-cipher';
import {
  type BlobBody,
  type BlobRead,
  type BlobStore,
  type ByteRange,
  type CompletedPart,
  type DirectUploadStore,
  isDirectUploadStore,
  isResumableUploadStore,
  partCount,
  partSizeFor,
  type SizeMismatch,
} from './stores/blob-store';

export type BlobsDeps = {
  readonly db: Kysely<Database>;
  /** Milliseconds since the epoch (the app's injected clock). */
  readonly now: () => number;
  readonly config: BlobsConfig;
  readonly stores: BlobStores;
};

export type BlobError =
  | { readonly type: 'BlobNotFound' }
  | { readonly type: 'BlobExists'; readonly detail: string }
  | { readonly type: 'BlobTooLarge'; readonly maxBytes: number }
  | {
      readonly type: 'QuotaExceeded';
      readonly quotaBytes: number;
      readonly usedBytes: number;
      readonly reservedBytes: number;
      readonly requestedBytes: number;
    }
  | { readonly type: 'SizeMismatch'; readonly detail: string }
  | { readonly type: 'UploadOffsetMismatch'; readonly uploadedBytes: number }
  | { readonly type: 'PartsRequired' }
  | { readonly type: 'RangeNotSatisfiable'; readonly size: number };

export type BucketError =
  | { readonly type: 'BucketsDisabled' }
  | { readonly type: 'BucketEndpointRefused'; readonly detail: string }
  | { readonly type: 'StorageCheckFailed'; readonly detail: string };

/** Where the server's own upload and download endpoint for a blob lives. */
export const blobContentPath = (id: string): string => `/v1/blobs/${id}/content`;

/** Two hex characters of fan-out keep directories (and S3 key prefixes) small. */
const storageKeyOf = (id: string): string => `${id.slice(0, 2)}/${id}`;

// ---------------------------------------------------------------------------------------------------------------
// Upload

export type Reservation = {
  readonly blob: BlobInfo;
  readonly upload: UploadTarget | null;
  readonly usage: StorageUsage;
};

export type BlobRequest = { readonly id?: string | undefined; readonly size: number };

/**
 * [Note: Targets a browser can reach]
 * A presigned target sends the client straight to the bucket. Our web app can reach only the origins its CSP
 * lists in connect-src: the default bucket's (web.routes.ts, `bucketOrigins`), never a user's own bucket, whose
 * origin an app shell shared by every user cannot name. So a browser's request (browsers send Sec-Fetch-Site,
 * which a page cannot forge; other clients do not) for a blob in a user's bucket gets the server's own targets:
 * its bytes go through the server, streamed to and from the bucket, in one request each way. Other clients go
 * straight to the bucket, in resumable parts.
 */
export type TargetReach = 'any-origin' | 'default-store-only';

const goesStraightToStore = (
  store: BlobStore,
  blob: Pick<BlobRow, 'storage_config_id'>,
  reach: TargetReach,
): store is DirectUploadStore =>
  isDirectUploadStore(store) && (reach === 'any-origin' || blob.storage_config_id === null);

/**
 * Reserves `size` bytes under the caller's quota. Reserving an id the caller already holds with the same size is
 * a retry: it answers the blob and a fresh upload target (none once committed).
 */
export async function reserveBlob(
  deps: BlobsDeps,
  userId: string,
  input: BlobRequest,
  reach: TargetReach = 'any-origin',
): Promise<Result<Reservation, BlobError>> {
  const reserved = await reserveBlobs(deps, userId, [input], reach);
  if (!reserved.ok) return reserved;
  return ok({ ...reserved.value.blobs[0]!, usage: reserved.value.usage });
}

/**
 * Reserves several blobs in one transaction, all or none: one quota check for the sum of the new ones (a retried
 * reservation holds its bytes already). Answers them in the order asked, each with its upload target.
 */
export async function reserveBlobs(
  deps: BlobsDeps,
  userId: string,
  inputs: readonly BlobRequest[],
  reach: TargetReach = 'any-origin',
): Promise<
  Result<{ readonly blobs: Omit<Reservation, 'usage'>[]; readonly usage: StorageUsage }, BlobError>
> {
  const { config } = deps;
  const tooLarge = inputs.find((input) => input.size > config.maxBlobBytes);
  if (tooLarge) return err({ type: 'BlobTooLarge', maxBytes: config.maxBlobBytes });
  const wanted = inputs.map((input) => ({ id: input.id ?? randomUUID(), size: input.size }));
  const named = (id: string) => (wanted.length > 1 ? ` (${id})` : '');
  /** The usage as the reservation left it, known inside the transaction when it reserved anything. */
  let usageAfter: StorageUsage | null = null;
  const reserved = await deps.db
    .transaction()
    .execute(async (trx): Promise<Result<readonly BlobRow[], BlobError>> => {
      const quota = await lockQuota(trx, userId);
      // One query per step for the whole batch (a photo's original and thumbnails), not one per blob.
      const existingById = await findBlobsForUpdate(
        trx,
        wanted.map((blob) => blob.id),
      );
      const fresh: typeof wanted = [];
      for (const { id, size } of wanted) {
        const existing = existingById.get(id);
        if (!existing) {
          // The same new id twice in one batch: the second would find it taken.
          if (fresh.some((blob) => blob.id === id))
            return err({ type: 'BlobExists', detail: `This blob id is taken${named(id)}.` });
          fresh.push({ id, size });
          continue;
        }
        if (existing.owner_id !== userId)
          return err({ type: 'BlobExists', detail: `This blob id is taken${named(id)}.` });
        if (existing.size !== size) {
          return err({
            type: 'BlobExists',
            detail: `This blob${named(id)} was reserved with ${existing.size} bytes.`,
          });
        }
      }
      if (fresh.length > 0) {
        const quotaBytes = quota.quotaBytes ?? config.defaultQuotaBytes;
        const held = await reservedBytes(trx, userId);
        const requestedBytes = fresh.reduce((sum, blob) => sum + blob.size, 0);
        if (quota.usedBytes + held + requestedBytes > quotaBytes) {
          return err({
            type: 'QuotaExceeded',
            quotaBytes,
            usedBytes: quota.usedBytes,
            reservedBytes: held,
            requestedBytes,
          });
        }
        const bucket = await findActiveStorageConfig(trx, userId);
        const nowMs = deps.now();
        const inserted = await insertBlobsIfAbsent(
          trx,
          fresh.map(({ id, size }) => ({
            id,
            ownerId: userId,
            size,
            storageConfigId: bucket?.id ?? null,
            storageKey: storageKeyOf(id),
            nowMs,
          })),
        );
        // The quota row lock serialises this user's reservations; another user may have taken an id meanwhile.
        // Throwing rolls back the ones inserted with it.
        const taken = fresh.find(({ id }) => !inserted.has(id));
        if (taken) throw new IdTakenMeanwhile(taken.id);
        // Under the quota row's lock these are exact: two queries fewer than reading them again afterwards.
        usageAfter = { usedBytes: quota.usedBytes, reservedBytes: held + requestedBytes, quotaBytes };
      }
      const rowsById = await findBlobs(
        trx,
        wanted.map((blob) => blob.id),
      );
      return ok(wanted.map(({ id }) => rowsById.get(id)!));
    })
    .catch((error: unknown) => {
      if (error instanceof IdTakenMeanwhile)
        return err({ type: 'BlobExists', detail: `This blob id is taken${named(error.id)}.` } as const);
      throw error;
    });
  if (!reserved.ok) return reserved;
  // A photo's targets are made at once (each may be a presigning, or a stat of a partial upload).
  const uploads = await Promise.all(
    reserved.value.map((blob) => (blob.state === 'committed' ? null : uploadTargetFor(deps, blob, reach))),
  );
  const blobs: Omit<Reservation, 'usage'>[] = [];
  for (const [i, blob] of reserved.value.entries()) {
    const upload = uploads[i] ?? null;
    if (upload && !upload.ok) return upload;
    blobs.push({ blob: blobInfoOf(blob), upload: upload?.value ?? null });
  }
  return ok({ blobs, usage: usageAfter ?? (await getUsage(deps, userId)) });
}

class IdTakenMeanwhile extends Error {
  constructor(readonly id: string) {
    super(`blob id ${id} was taken meanwhile`);
  }
}

/** A fresh upload target for the caller's reservation: to resume after presigned URLs expired. */
export async function getUploadTarget(
  deps: BlobsDeps,
  userId: string,
  id: string,
  reach: TargetReach = 'any-origin',
): Promise<Result<UploadTarget, BlobError>> {
  const blob = await findBlob(deps.db, id);
  if (!blob || blob.owner_id !== userId) return err({ type: 'BlobNotFound' });
  if (blob.state === 'committed')
    return err({ type: 'BlobExists', detail: 'This blob is committed already.' });
  return uploadTargetFor(deps, blob, reach);
}

async function uploadTargetFor(
  deps: BlobsDeps,
  blob: BlobRow,
  reach: TargetReach,
): Promise<Result<UploadTarget, BlobError>> {
  const store = await storeOf(deps, blob);
  if (!goesStraightToStore(store, blob, reach)) {
    const uploadedBytes = isResumableUploadStore(store) ? await store.uploadedBytes(blob.storage_key) : 0;
    return ok({ kind: 'server', path: blobContentPath(blob.id), uploadedBytes });
  }
  const key = blob.storage_key;
  if (blob.size <= store.multipartThresholdBytes) {
    const put = await store.presignPut(key, blob.size);
    return ok({ kind: 'presigned-put', url: put.url, expiresAt: put.expiresAt.getTime() });
  }
  let uploadId = blob.multipart_upload_id;
  if (!uploadId) {
    const started = await store.startMultipartUpload(key);
    uploadId = await claimMultipartUpload(deps.db, blob.id, started);
    // Two requests raced to start the upload: keep the one recorded, drop ours.
    if (uploadId !== started) await store.abortMultipartUpload(key, started);
    if (!uploadId) return err({ type: 'BlobExists', detail: 'This blob is committed already.' });
  }
  const partSize = partSizeFor(blob.size, store.partSizeBytes);
  const partNumbers = Array.from({ length: partCount(blob.size, partSize) }, (_, i) => i + 1);
  const parts = await store.presignParts(key, uploadId, partNumbers);
  return ok({
    kind: 'multipart',
    partSize,
    parts: parts.map((p) => ({ partNumber: p.partNumber, url: p.url })),
    expiresAt: Math.min(...parts.map((p) => p.expiresAt.getTime())),
  });
}

/**
 * Streams the body into the blob's store (the 'server' upload target): the whole blob, or with a Content-Range
 * the next piece of a resumable upload. The blob must come out exactly the declared size; a whole-body upload of
 * another size stores nothing, and a cut-off piece keeps what arrived (the target's `uploadedBytes`).
 */
export async function uploadBlobContent(
  deps: BlobsDeps,
  userId: string,
  id: string,
  body: BlobBody,
  headers: { readonly contentLength: number | null; readonly contentRange: string | null },
): Promise<Result<{ readonly complete: boolean }, BlobError>> {
  const blob = await findBlob(deps.db, id);
  if (!blob || blob.owner_id !== userId) return err({ type: 'BlobNotFound' });
  if (blob.state === 'committed')
    return err({ type: 'BlobExists', detail: 'This blob is committed already.' });
  const piece =
    headers.contentRange === null
      ? { offset: 0, length: blob.size }
      : parseContentRange(headers.contentRange, blob.size);
  if (!piece) {
    return err({
      type: 'SizeMismatch',
      detail: `Content-Range must be "bytes <first>-<last>/${blob.size}".`,
    });
  }
  if (headers.contentLength !== null && headers.contentLength !== piece.length) {
    return err({
      type: 'SizeMismatch',
      detail: `The body must be ${piece.length} bytes, not ${headers.contentLength}.`,
    });
  }
  const store = await storeOf(deps, blob);
  if (isResumableUploadStore(store)) {
    const appended = await store.append(blob.storage_key, { ...piece, size: blob.size }, body);
    if (appended.ok) return appended;
    if (appended.error.type === 'OffsetMismatch') {
      return err({ type: 'UploadOffsetMismatch', uploadedBytes: appended.error.uploadedBytes });
    }
    return err({ type: 'SizeMismatch', detail: sizeMismatchDetail(appended.error) });
  }
  if (piece.offset !== 0 || piece.length !== blob.size) {
    return err({ type: 'SizeMismatch', detail: 'This store takes the whole blob in one request.' });
  }
  const stored = await store.put(blob.storage_key, body, blob.size);
  if (!stored.ok) return err({ type: 'SizeMismatch', detail: sizeMismatchDetail(stored.error) });
  return ok({ complete: true });
}

function sizeMismatchDetail({ expectedBytes, receivedBytes }: SizeMismatch): string {
  return `The body must be ${expectedBytes} bytes; ${receivedBytes > expectedBytes ? 'more' : receivedBytes} arrived.`;
}

/** `bytes first-last/size` (RFC 9110 §14.4) for a piece of a `size`-byte blob, as offset and length. */
function parseContentRange(header: string, size: number): { offset: number; length: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (!match) return null;
  const [first, last, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (total !== size || last < first || last >= size) return null;
  return { offset: first, length: last - first + 1 };
}

/**
 * Commits an uploaded blob once the store holds exactly the declared size (completing a multipart upload first).
 * Committing twice is fine. A wrong size deletes what was stored, so the client can upload again.
 */
export async function commitBlob(
  deps: BlobsDeps,
  userId: string,
  id: string,
  parts: readonly CompletedPart[] | undefined,
): Promise<Result<{ readonly blob: BlobInfo; readonly usage: StorageUsage }, BlobError>> {
  const committed = await commitBlobs(deps, userId, [{ id, parts }]);
  if (!committed.ok) return committed;
  return ok({ blob: committed.value.blobs[0]!, usage: committed.value.usage });
}

export type CommitRequest = { readonly id: string; readonly parts?: readonly CompletedPart[] | undefined };

/**
 * Commits several uploaded blobs, all or none: each is checked in its store first (see commitBlob), then all are
 * marked committed in one transaction. A refusal names the blob when there are several.
 */
export async function commitBlobs(
  deps: BlobsDeps,
  userId: string,
  requests: readonly CommitRequest[],
): Promise<Result<{ readonly blobs: BlobInfo[]; readonly usage: StorageUsage }, BlobError>> {
  const named = (id: string) => (requests.length > 1 ? `Blob ${id}: ` : '');
  const toCommit: string[] = [];
  const blobsById = await findBlobs(
    deps.db,
    requests.map((request) => request.id),
  );
  const unchecked = new Map<string, { blob: BlobRow; parts: readonly CompletedPart[] | undefined }>();
  for (const { id, parts } of requests) {
    const blob = blobsById.get(id);
    if (!blob || blob.owner_id !== userId) return err({ type: 'BlobNotFound' });
    if (blob.state === 'committed' || unchecked.has(id)) continue;
    unchecked.set(id, { blob, parts });
  }
  // Each blob is checked in its store at once (an S3 HEAD each, or a stat), each id once.
  const checks = await Promise.all(
    [...unchecked.values()].map(({ blob, parts }) => checkStored(deps, blob, parts)),
  );
  for (const [i, id] of [...unchecked.keys()].entries()) {
    const stored = checks[i]!;
    if (!stored.ok) {
      const error = stored.error;
      return err(error.type === 'SizeMismatch' ? { ...error, detail: named(id) + error.detail } : error);
    }
    toCommit.push(id);
  }
  /** The usage as the commit left it, read inside its transaction (one query instead of two afterwards). */
  let usageAfter: StorageUsage | null = null;
  if (toCommit.length > 0) {
    const committed = await deps.db
      .transaction()
      .execute(async (trx) => {
        const quota = await lockQuota(trx, userId); // quota before blob, the same order as reserveBlob and the GC
        const locked = await findBlobsForUpdate(trx, toCommit);
        // One collected meanwhile: roll back the others too.
        if (locked.size !== new Set(toCommit).size) throw new ExpiredMeanwhile();
        const reserved = [...locked.values()].filter((blob) => blob.state === 'reserved');
        await markCommittedMany(
          trx,
          reserved.map((blob) => blob.id),
          deps.now(),
        );
        const addedBytes = reserved.reduce((sum, blob) => sum + blob.size, 0);
        if (addedBytes > 0) await addUsedBytes(trx, userId, addedBytes);
        usageAfter = {
          usedBytes: quota.usedBytes + addedBytes,
          reservedBytes: await reservedBytes(trx, userId),
          quotaBytes: quota.quotaBytes ?? deps.config.defaultQuotaBytes,
        };
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof ExpiredMeanwhile) return false;
        throw error;
      });
    if (!committed) return err({ type: 'BlobNotFound' });
  }
  const committedById = await findBlobs(
    deps.db,
    requests.map((request) => request.id),
  );
  const blobs = requests.map(({ id }) => blobInfoOf(committedById.get(id)!));
  return ok({ blobs, usage: usageAfter ?? (await getUsage(deps, userId)) });
}

class ExpiredMeanwhile extends Error {}

/**
 * Completes a multipart upload if there is one, then checks that the store holds exactly the declared size; a
 * wrong size deletes what was stored, so the client can upload again.
 */
async function checkStored(
  deps: BlobsDeps,
  blob: BlobRow,
  parts: readonly CompletedPart[] | undefined,
): Promise<Result<void, BlobError>> {
  const store = await storeOf(deps, blob);
  if (blob.multipart_upload_id && isDirectUploadStore(store)) {
    if (!parts || parts.length === 0) return err({ type: 'PartsRequired' });
    const completed = await store.completeMultipartUpload(blob.storage_key, blob.multipart_upload_id, parts);
    if (!completed.ok && completed.error.type === 'InvalidParts') {
      return err({
        type: 'SizeMismatch',
        detail: `The parts do not make up the blob: ${completed.error.detail}`,
      });
    }
    // NoSuchUpload: an earlier commit completed it and its answer was lost; the size check below decides.
    await forgetMultipartUpload(deps.db, blob.id);
  }
  const stored = await store.stat(blob.storage_key);
  if (!stored) return err({ type: 'SizeMismatch', detail: 'Nothing has been uploaded for this blob yet.' });
  if (stored.size !== blob.size) {
    await store.delete(blob.storage_key);
    return err({
      type: 'SizeMismatch',
      detail: `${stored.size} bytes were stored, ${blob.size} declared; upload it again.`,
    });
  }
  return ok(undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Download

/** Where the caller can fetch a committed blob they may read (their own, or one a record they can see refers to). */
export async function getDownloadTarget(
  deps: BlobsDeps,
  userId: string,
  id: string,
  reach: TargetReach = 'any-origin',
): Promise<Result<DownloadTarget, BlobError>> {
  const blob = await findReadableBlob(deps.db, userId, id);
  if (!blob) return err({ type: 'BlobNotFound' });
  const store = await storeOf(deps, blob);
  if (!goesStraightToStore(store, blob, reach))
    return ok({ kind: 'server', path: blobContentPath(id), size: blob.size });
  const get = await store.presignGet(blob.storage_key);
  return ok({ kind: 'presigned-get', url: get.url, expiresAt: get.expiresAt.getTime(), size: blob.size });
}

/** Streams a blob the caller may read, or the byte range asked for with an HTTP Range header. */
export async function readBlobContent(
  deps: BlobsDeps,
  userId: string,
  id: string,
  rangeHeader: string | undefined,
): Promise<Result<BlobRead, BlobError>> {
  const blob = await findReadableBlob(deps.db, userId, id);
  if (!blob) return err({ type: 'BlobNotFound' });
  const range = rangeHeader === undefined ? null : parseRangeHeader(rangeHeader, blob.size);
  if (range === 'unsatisfiable') return err({ type: 'RangeNotSatisfiable', size: blob.size });
  const store = await storeOf(deps, blob);
  const read = await store.read(blob.storage_key, range ?? undefined);
  // A committed blob whose bytes are gone is lost data: an outage, not a client error.
  if (!read) throw new Error(`committed blob ${id} is missing from its store`);
  return ok(read);
}

/**
 * One `bytes=` range (RFC 9110 §14.1.2) as [start, end). Multiple ranges and other units are ignored (null: serve
 * the whole blob), as the RFC allows.
 */
export function parseRangeHeader(header: string, size: number): ByteRange | null | 'unsatisfiable' {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size : Math.min(size, Number(last) + 1);
  if (end <= start) return null; // last < first: syntactically invalid, so ignored
  return { start, end };
}

// ---------------------------------------------------------------------------------------------------------------
// Quota

export async function getUsage(deps: BlobsDeps, userId: string): Promise<StorageUsage> {
  const quota = await findQuota(deps.db, userId);
  return {
    usedBytes: quota.usedBytes,
    reservedBytes: await reservedBytes(deps.db, userId),
    quotaBytes: quota.quotaBytes ?? deps.config.defaultQuotaBytes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Users' own buckets

/**
 * Makes the caller's own bucket the home of their new blobs, after a test write (put, read back, delete) through
 * the credentials given. Existing blobs stay where they are.
 */
export async function registerBucket(
  deps: BlobsDeps,
  userId: string,
  input: z.output<typeof RegisterBucketRequest>,
): Promise<Result<BucketInfo, BucketError>> {
  const { storageKey } = deps.config;
  if (!storageKey) return err({ type: 'BucketsDisabled' });
  if (input.endpoint !== undefined) {
    const refused = refuseEndpoint(input.endpoint, deps.config.allowPrivateBucketEndpoints);
    if (refused) return err({ type: 'BucketEndpointRefused', detail: refused });
  }
  const location = {
    ...(input.endpoint !== undefined ? { endpoint: input.endpoint } : {}),
    region: input.region,
    bucket: input.bucket,
    forcePathStyle: input.forcePathStyle,
    keyPrefix: input.keyPrefix,
  };
  const credentials = { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey };
  const store = createUserBucketStore(deps.config, location, credentials);
  const checked = await checkStoreWritable(store);
  store.close();
  if (!checked.ok) return err({ type: 'StorageCheckFailed', detail: checked.error });

  const id = randomUUID();
  const verifiedAtMs = deps.now();
  await deps.db.transaction().execute((trx) =>
    replaceActiveStorageConfig(trx, {
      id,
      user_id: userId,
      endpoint: input.endpoint ?? null,
      region: input.region,
      bucket: input.bucket,
      force_path_style: input.forcePathStyle,
      key_prefix: input.keyPrefix,
      credentials_encrypted: encryptCredentials(storageKey, id, credentials),
      verifiedAtMs,
    }),
  );
  return ok(bucketInfoOf({ ...location, id, endpoint: input.endpoint ?? null, verifiedAtMs }));
}

export async function getBucket(deps: BlobsDeps, userId: string): Promise<BucketInfo | null> {
  const row = await findActiveStorageConfig(deps.db, userId);
  return row ? bucketInfoOf(storageConfigInfoOf(row)) : null;
}

/** New blobs go to the server's store again; blobs already in the user's bucket stay readable there. */
export async function removeBucket(deps: BlobsDeps, userId: string): Promise<boolean> {
  return deactivateStorageConfigs(deps.db, userId);
}

/** Put, read back and delete a small object: proves the credentials may write, read and delete. */
export async function checkStoreWritable(store: BlobStore): Promise<Result<void, string>> {
  const key = `halyon-write-check/${randomUUID()}`;
  const probe = randomBytes(32);
  try {
    const put = await store.put(key, oneChunk(probe), probe.length);
    if (!put.ok) return err('the bucket did not store the test object');
    const read = await store.read(key);
    const back = read ? Buffer.from(await new Response(read.body).arrayBuffer()) : null;
    await store.delete(key);
    if (!back?.equals(probe)) return err('the bucket did not return the test object intact');
    return ok(undefined);
  } catch (error) {
    return err(`the test write failed: ${(error as Error).message}`);
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

const privateAddresses = (() => {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv4');
  }
  list.addAddress('::1', 'ipv6');
  list.addAddress('::', 'ipv6');
  list.addSubnet('fc00::', 7, 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list;
})();

/**
 * The server connects to a user's endpoint, so an endpoint must not point it at the operator's own network
 * (SSRF): plain http and loopback or private literal addresses are refused unless the operator allows them.
 * Host names are not resolved here; operators who need more should also filter egress.
 */
function refuseEndpoint(endpoint: string, allowPrivate: boolean): string | null {
  const url = new URL(endpoint);
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    return 'The endpoint must use https.';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'The endpoint must not be a local address.';
  if (family !== 0 && privateAddresses.check(host, family === 4 ? 'ipv4' : 'ipv6')) {
    return 'The endpoint must not be a local or private address.';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

export function storeOf(deps: BlobsDeps, blob: Pick<BlobRow, 'storage_config_id'>): Promise<BlobStore> {
  return deps.stores.storeFor(blob.storage_config_id, async (configId) =>
    storageConfigRecordOf(await findStorageConfigOrThrow(deps.db, configId)),
  );
}

function storageConfigRecordOf(row: StorageConfigRow): StorageConfigRecord {
  return {
    id: row.id,
    ...(row.endpoint !== null ? { endpoint: row.endpoint } : {}),
    region: row.region,
    bucket: row.bucket,
    forcePathStyle: row.force_path_style,
    keyPrefix: row.key_prefix,
    credentialsEncrypted: row.credentials_encrypted,
  };
}

function storageConfigInfoOf(row: StorageConfigRow) {
  return {
    id: row.id,
    endpoint: row.endpoint,
    region: row.region,
    bucket: row.bucket,
    forcePathStyle: row.force_path_style,
    keyPrefix: row.key_prefix,
    verifiedAtMs: row.verified_at.getTime(),
  };
}

function bucketInfoOf(info: ReturnType<typeof storageConfigInfoOf>): BucketInfo {
  return {
    id: info.id,
    endpoint: info.endpoint,
    region: info.region,
    bucket: info.bucket,
    forcePathStyle: info.forcePathStyle,
    keyPrefix: info.keyPrefix,
    verifiedAt: info.verifiedAtMs,
  };
}

export function blobInfoOf(row: BlobRow): BlobInfo {
  return {
    id: row.id,
    size: Number(row.size),
    state: row.state,
    createdAt: row.created_at.getTime(),
    committedAt: row.committed_at ? row.committed_at.getTime() : null,
  };
}
