/**
 * sendBlobs against an in-memory blob API: one reservation and one commit for a photo's blobs, stored parts of a
 * multipart upload skipped on a later attempt, and sent again when the bucket no longer holds them.
 */
import type { UploadTarget } from '@halyon/protocol';
import { describe, expect, it } from 'vitest';
import { err, ok } from '../result';
import type { BlobApi, CompletedPart } from './blob-api';
import { sendBlobs } from './send-blob';
import type { BlobPlan } from './upload-job';

const PART = 4;

/** A bucket whose multipart uploads can be forgotten (an expired reservation), and a log of every call. */
const fakeBlobApi = () => {
  const calls: string[] = [];
  let uploadId = 1;
  const storedParts = new Map<string, string>(); // `${uploadId}:${partNumber}` -> etag
  const committed = new Set<string>();
  const target = (id: string, size: number): UploadTarget =>
    size > PART
      ? {
          kind: 'multipart',
          partSize: PART,
          parts: Array.from({ length: Math.ceil(size / PART) }, (_, i) => ({
            partNumber: i + 1,
            url: `https://bucket.test/${id}?uploadId=${uploadId}&partNumber=${i + 1}`,
          })),
          expiresAt: 0,
        }
      : { kind: 'presigned-put', url: `https://bucket.test/${id}`, expiresAt: 0 };
  const blobInfo = (id: string, size: number) => ({
    id,
    size,
    state: committed.has(id) ? ('committed' as const) : ('reserved' as const),
    createdAt: 0,
    committedAt: null,
  });
  const usage = { usedBytes: 0, reservedBytes: 0, quotaBytes: 1e9 };
  const api: BlobApi = {
    reserve: () => Promise.reject(new Error('one blob at a time is not used')),
    commit: () => Promise.reject(new Error('one blob at a time is not used')),
    uploadTarget: () => Promise.reject(new Error('not used')),
    downloadTarget: () => Promise.reject(new Error('not used')),
    openDownload: () => Promise.reject(new Error('not used')),
    async reserveMany(blobs) {
      calls.push(`reserve ${blobs.map((b) => b.id).join(',')}`);
      const answers = blobs.map(({ id, size }) => ({
        blob: blobInfo(id, size),
        upload: committed.has(id) ? null : target(id, size),
      }));
      return ok({ blobs: answers, usage });
    },
    async putWhole(target) {
      calls.push(`put ${'url' in target ? target.url : target.path}`);
      return ok(undefined);
    },
    async putRest(target, body, from, size) {
      const length = body instanceof ReadableStream ? (await new Response(body).arrayBuffer()).byteLength : 0;
      calls.push(`put ${target.path} bytes ${from}-${size - 1}/${size}, ${length} sent`);
      return ok(undefined);
    },
    async putPart(url) {
      const { searchParams } = new URL(url);
      const partNumber = searchParams.get('partNumber');
      calls.push(`part ${partNumber}`);
      const etag = `"etag-${searchParams.get('uploadId')}-${partNumber}"`;
      storedParts.set(`${searchParams.get('uploadId')}:${partNumber}`, etag);
      return ok(etag);
    },
    async commitMany(blobs) {
      calls.push(`commit ${blobs.map((b) => b.id).join(',')}`);
      const complete = (parts: readonly CompletedPart[] | undefined) =>
        (parts ?? []).every((p) => storedParts.get(`${uploadId}:${p.partNumber}`) === p.etag);
      if (!blobs.every((b) => complete(b.parts))) {
        return err({
          type: 'ProblemResponse',
          status: 409,
          problem: { type: 'about:blank', title: 'Size mismatch', status: 409, code: 'blob_size_mismatch' },
        });
      }
      for (const b of blobs) committed.add(b.id);
      return ok({ blobs: blobs.map((b) => blobInfo(b.id, 0)), usage });
    },
  };
  return {
    api,
    calls,
    /** The reservation expired and was collected: a new multipart upload, the stored parts gone. */
    forgetUploads: () => {
      uploadId++;
      storedParts.clear();
    },
  };
};

const plan = (id: string, role: BlobPlan['role'], cipherSize: number): BlobPlan => ({
  role,
  id,
  plainSize: cipherSize,
  cipherSize,
  staged: true,
  committed: false,
});

const send = (api: BlobApi, plans: BlobPlan[], persisted: string[] = []) =>
  sendBlobs({
    api,
    plans,
    open: async function* (p) {
      yield new Uint8Array(p.cipherSize).fill(p.cipherSize % 251);
    },
    signal: new AbortController().signal,
    onProgress: () => {},
    onPartsChanged: async (p) => {
      persisted.push(`${p.id}: ${(p.parts ?? []).map((part) => part.partNumber).join(',')}`);
    },
    streamBodies: true,
  });

describe('sendBlobs', () => {
  it('reserves and commits a photo’s blobs in one request each, persisting each stored part', async () => {
    const bucket = fakeBlobApi();
    const persisted: string[] = [];
    const plans = [plan('original', 'original', 10), plan('thumb', 'thumbnail', 3)];
    expect(await send(bucket.api, plans, persisted)).toEqual(ok(undefined));
    expect(bucket.calls.filter((c) => c.startsWith('reserve') || c.startsWith('commit'))).toEqual([
      'reserve original,thumb',
      'commit original,thumb',
    ]);
    expect(persisted).toEqual(['original: 1', 'original: 1,2', 'original: 1,2,3']);
  });

  it('sends only the parts not yet stored when resumed', async () => {
    const bucket = fakeBlobApi();
    const original = plan('original', 'original', 10);
    original.parts = [{ partNumber: 1, etag: '"etag-1-1"' }];
    await bucket.api.putPart('https://bucket.test/original?uploadId=1&partNumber=1', new Uint8Array(PART));
    bucket.calls.length = 0;
    expect(await send(bucket.api, [original])).toEqual(ok(undefined));
    expect(bucket.calls).toEqual(['reserve original', 'part 2', 'part 3', 'commit original']);
  });

  it('sends the server’s endpoint only the rest of a cut-off upload, and all of it when the ciphertext is new', async () => {
    const bucket = fakeBlobApi();
    const halfArrived = (id: string, size: number) => ({
      blob: { id, size, state: 'reserved' as const, createdAt: 0, committedAt: null },
      upload: { kind: 'server' as const, path: `/v1/blobs/${id}/content`, uploadedBytes: 3 },
    });
    const api: BlobApi = {
      ...bucket.api,
      reserveMany: async (blobs) =>
        ok({
          blobs: blobs.map((b) => halfArrived(b.id, b.size)),
          usage: { usedBytes: 0, reservedBytes: 0, quotaBytes: 1e9 },
        }),
    };
    const fresh = { ...plan('fresh', 'original', 10), staged: false }; // no nonce prefix: other ciphertext
    expect(await send(api, [plan('staged', 'original', 10), fresh])).toEqual(ok(undefined));
    const [first, second, last] = bucket.calls; // the two blobs go in parallel
    expect([first, second].sort()).toEqual([
      'put /v1/blobs/fresh/content',
      'put /v1/blobs/staged/content bytes 3-9/10, 7 sent',
    ]);
    expect(last).toBe('commit staged,fresh');
  });

  it('forgets stored parts the bucket no longer holds and sends the whole blob again at once', async () => {
    const bucket = fakeBlobApi();
    const original = plan('original', 'original', 10);
    original.parts = [{ partNumber: 1, etag: '"etag-1-1"' }];
    bucket.forgetUploads();
    const persisted: string[] = [];
    expect(await send(bucket.api, [original], persisted)).toEqual(ok(undefined));
    expect(bucket.calls).toEqual([
      'reserve original',
      'part 2',
      'part 3',
      'commit original',
      'reserve original',
      'part 1',
      'part 2',
      'part 3',
      'commit original',
    ]);
    expect(persisted).toContain('original: ');
  });
});
