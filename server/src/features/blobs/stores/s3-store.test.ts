import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partCount } from './blob-store';
import { describeBlobStoreContract, readAll } from './blob-store.contract';
import { createS3BlobStore, type S3BlobStore, type S3StoreOptions } from './s3-store';
import { type RunningS3rver, startS3rver } from './s3rver-harness';

const MiB = 1024 * 1024;

function storeOptions(s3: RunningS3rver): S3StoreOptions {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    forcePathStyle: true,
    credentials: s3.credentials,
    presignExpirySeconds: 300,
    multipartThresholdBytes: 8 * MiB,
    partSizeBytes: 5 * MiB,
  };
}

describeBlobStoreContract('s3', async () => {
  const s3 = await startS3rver();
  const store = createS3BlobStore(storeOptions(s3));
  return {
    store,
    async cleanup() {
      store.close();
      await s3.stop();
    },
  };
});

// Every body a part upload: the same contract, and no unfinished upload left behind by the failing ones.
describeBlobStoreContract('s3 (put in parts)', async () => {
  const s3 = await startS3rver();
  const store = createS3BlobStore({ ...storeOptions(s3), multipartThresholdBytes: 0 });
  return {
    store,
    async cleanup() {
      expect(await s3.pendingMultipartUploads()).toBe(0);
      store.close();
      await s3.stop();
    },
  };
});

describe('s3 blob store, a body above the multipart threshold', () => {
  it('goes up in parts and reads back whole', async () => {
    const s3 = await startS3rver();
    const store = createS3BlobStore(storeOptions(s3));
    try {
      const key = `blobs/${randomUUID()}`;
      const bytes = randomBytes(11 * MiB + 3); // three parts of 5 MiB
      // Half way through the body, the upload in parts is under way in the bucket (a single PUT would not be).
      let pendingHalfWay = -1;
      const pieces = (async function* () {
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          if (at === 8 * MiB) pendingHalfWay = await s3.pendingMultipartUploads();
          yield bytes.subarray(at, at + 64 * 1024);
        }
      })();
      expect(await store.put(key, pieces, bytes.length)).toEqual({ ok: true, value: undefined });
      expect(pendingHalfWay).toBe(1);
      expect(await store.stat(key)).toEqual({ size: bytes.length });
      expect((await readAll((await store.read(key))!.body)).equals(bytes)).toBe(true);
      expect(await s3.pendingMultipartUploads()).toBe(0);
    } finally {
      store.close();
      await s3.stop();
    }
  });
});

describe('s3 blob store, straight from the client', () => {
  let s3: RunningS3rver;
  let store: S3BlobStore;
  const webOrigin = 'https://photos.example.test';

  beforeAll(async () => {
    s3 = await startS3rver();
    store = createS3BlobStore({ ...storeOptions(s3), keyPrefix: 'halyon/' });
    await store.applyBrowserCors([webOrigin]);
  });
  afterAll(async () => {
    store.close();
    await s3.stop();
  });

  it('accepts a presigned PUT and serves the bytes through a presigned GET', async () => {
    const key = `blobs/${randomUUID()}`;
    const bytes = randomBytes(300_000);
    const put = await store.presignPut(key, bytes.length);
    expect(put.expiresAt.getTime()).toBeGreaterThan(Date.now());

    const uploaded = await fetch(put.url, { method: 'PUT', body: bytes });
    expect(uploaded.status).toBe(200);
    expect(await store.stat(key)).toEqual({ size: bytes.length });

    const get = await store.presignGet(key);
    const downloaded = await fetch(get.url);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);

    const ranged = await fetch(get.url, { headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);
  });

  it('assembles a multipart upload sent through presigned part URLs', async () => {
    const key = `blobs/${randomUUID()}`;
    const bytes = randomBytes(12 * MiB + 123);
    const parts = partCount(bytes.length, store.partSizeBytes);
    expect(parts).toBe(3);

    const uploadId = await store.startMultipartUpload(key);
    const urls = await store.presignParts(
      key,
      uploadId,
      Array.from({ length: parts }, (_, i) => i + 1),
    );
    const completed = [];
    for (const { partNumber, url } of urls) {
      const start = (partNumber - 1) * store.partSizeBytes;
      const response = await fetch(url, {
        method: 'PUT',
        body: bytes.subarray(start, Math.min(bytes.length, start + store.partSizeBytes)),
      });
      expect(response.status).toBe(200);
      completed.push({ partNumber, etag: response.headers.get('etag')! });
    }
    expect(await store.stat(key)).toBeNull();

    expect(await store.completeMultipartUpload(key, uploadId, completed.reverse())).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await store.stat(key)).toEqual({ size: bytes.length });
    expect((await readAll((await store.read(key))!.body)).equals(bytes)).toBe(true);
    expect(await s3.pendingMultipartUploads()).toBe(0);
  });

  it('aborts an unfinished multipart upload: its parts are dropped and it can no longer complete', async () => {
    const key = `blobs/${randomUUID()}`;
    const uploadId = await store.startMultipartUpload(key);
    const [part] = await store.presignParts(key, uploadId, [1]);
    const response = await fetch(part!.url, { method: 'PUT', body: randomBytes(1000) });
    expect(await s3.pendingMultipartUploads()).toBe(1);

    await store.abortMultipartUpload(key, uploadId);
    expect(await s3.pendingMultipartUploads()).toBe(0);
    await expect(store.abortMultipartUpload(key, uploadId)).resolves.toBeUndefined();
    expect(
      await store.completeMultipartUpload(key, uploadId, [
        { partNumber: 1, etag: response.headers.get('etag')! },
      ]),
    ).toEqual({ ok: false, error: { type: 'NoSuchUpload' } });
    expect(await store.stat(key)).toBeNull();
  });

  it('answers a browser preflight for uploads from the configured origin only', async () => {
    const put = await store.presignPut(`blobs/${randomUUID()}`, 10);
    const preflight = (origin: string) =>
      fetch(put.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type',
        },
      });

    const allowed = await preflight(webOrigin);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type');

    const refused = await preflight('https://evil.example.test');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes the ETag of an uploaded part to the browser, which completing a multipart upload needs', async () => {
    const key = `blobs/${randomUUID()}`;
    const uploadId = await store.startMultipartUpload(key);
    const [part] = await store.presignParts(key, uploadId, [1]);
    const response = await fetch(part!.url, {
      method: 'PUT',
      body: randomBytes(10),
      headers: { origin: webOrigin },
    });
    expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('etag');
    await store.abortMultipartUpload(key, uploadId);
  });
});
