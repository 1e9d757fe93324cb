import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { DownloadTarget, ReserveBlobResponse } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestUser, startTestServer, type TestServer } from '../../test/test-server';
import { createBlobStores } from './blob-stores';
import { blobsConfigFromEnv } from './blobs.config';
import { withBlobTables } from './blobs.schema';
import { blobClient } from './blobs.test-helpers';
import { type RunningS3rver, startS3rver } from './stores/s3rver-harness';

const MiB = 1024 * 1024;

/** The server's bucket, and a second s3rver standing in for a user's own bucket. */
let operatorBucket: RunningS3rver;
let userBucket: RunningS3rver;
let server: TestServer;

beforeAll(async () => {
  [operatorBucket, userBucket] = await Promise.all([startS3rver('operator'), startS3rver('mine')]);
  const env = {
    BLOB_STORE: 's3',
    BLOB_S3_ENDPOINT: operatorBucket.endpoint,
    BLOB_S3_BUCKET: operatorBucket.bucket,
    BLOB_S3_FORCE_PATH_STYLE: 'true',
    BLOB_S3_ACCESS_KEY_ID: operatorBucket.credentials.accessKeyId,
    BLOB_S3_SECRET_ACCESS_KEY: operatorBucket.credentials.secretAccessKey,
    BLOB_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    BLOB_PART_SIZE_BYTES: String(5 * MiB),
    BLOB_STORAGE_KEY: randomBytes(32).toString('base64'),
    BLOB_ALLOW_PRIVATE_BUCKET_ENDPOINTS: 'true',
  };
  server = await startTestServer({
    extendDeps: (deps) => {
      const config = blobsConfigFromEnv(env, '/nonexistent');
      return { ...deps, blobs: { ...deps.blobs, config, stores: createBlobStores(config) } };
    },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([operatorBucket?.stop(), userBucket?.stop()]);
});

describe('blob uploads straight to S3', () => {
  it('uploads a large blob in presigned parts, resumes with a fresh target, and completes on commit', async () => {
    const client = blobClient(server, await registerTestUser(server));
    const bytes = randomBytes(11 * MiB);
    const reserved = await client.reserve(bytes.length);
    const id = reserved.body.blob.id;
    const target = reserved.body.upload!;
    if (target.kind !== 'multipart') throw new Error(`expected a multipart target, got ${target.kind}`);
    expect(target.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);

    // Part 1 goes up, then the client stops (a reload); it asks again and sends only what is missing.
    const first = await fetch(target.parts[0]!.url, {
      method: 'PUT',
      body: bytes.subarray(0, target.partSize),
    });
    const etags = [{ partNumber: 1, etag: first.headers.get('etag')! }];
    const fresh = await client.uploadTarget(id);
    if (fresh.body.upload.kind !== 'multipart') throw new Error('expected a multipart target');
    for (const part of fresh.body.upload.parts.slice(1)) {
      const start = (part.partNumber - 1) * target.partSize;
      const response = await fetch(part.url, {
        method: 'PUT',
        body: bytes.subarray(start, start + target.partSize),
      });
      etags.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
    }
    expect(await operatorBucket.pendingMultipartUploads()).toBe(1);

    expect((await client.commit(id)).body.code).toBe('validation_failed');
    const committed = await client.commit(id, etags);
    expect(committed.status).toBe(200);
    expect(await operatorBucket.pendingMultipartUploads()).toBe(0);

    const target2 = await client.downloadTarget(id);
    expect(target2.body.kind).toBe('presigned-get');
    expect((await client.download(id)).bytes!.equals(bytes)).toBe(true);
  });

  it('never commits an upload killed mid-way, and accepts it sent again', async () => {
    const client = blobClient(server, await registerTestUser(server));
    const bytes = randomBytes(2 * MiB);
    const reserved = await client.reserve(bytes.length);
    const id = reserved.body.blob.id;
    const target = reserved.body.upload!;
    if (target.kind !== 'presigned-put') throw new Error(`expected a presigned PUT, got ${target.kind}`);
    await new Promise<void>((resolve) => {
      const req = httpRequest(target.url, {
        method: 'PUT',
        headers: { 'Content-Length': String(bytes.length) },
      });
      req.on('error', () => resolve());
      req.write(bytes.subarray(0, MiB / 2), () => {
        req.destroy();
        resolve();
      });
    });

    const commit = await client.commit(id);
    expect(commit.status).toBe(409);
    expect(commit.body.code).toBe('blob_size_mismatch');
    expect((await client.download(id)).status).toBe(404);

    const again = await client.uploadTarget(id);
    expect((await client.upload(id, again.body.upload, bytes)).status).toBe(200);
    expect((await client.commit(id)).status).toBe(200);
    expect((await client.download(id)).bytes!.equals(bytes)).toBe(true);
  });
});

describe('a user’s own bucket', () => {
  const registration = () => ({
    endpoint: userBucket.endpoint,
    region: userBucket.region,
    bucket: userBucket.bucket,
    forcePathStyle: true,
    keyPrefix: 'halyon/',
    accessKeyId: userBucket.credentials.accessKeyId,
    secretAccessKey: userBucket.credentials.secretAccessKey,
  });

  it('after a successful test write, holds the user’s new blobs, with the credentials encrypted at rest', async () => {
    const user = await registerTestUser(server);
    const client = blobClient(server, user);
    const before = await client.store(randomBytes(100));

    const registered = await server.json<{ bucket: { bucket: string; endpoint: string } }>(
      'PUT',
      '/v1/storage/bucket',
      registration(),
      user.accessToken,
    );
    expect(registered.status).toBe(200);
    expect(registered.body.bucket).toMatchObject({ bucket: 'mine', endpoint: userBucket.endpoint });
    expect(JSON.stringify(registered.body)).not.toContain(userBucket.credentials.secretAccessKey);

    const bytes = randomBytes(5_000);
    const reserved = await client.reserve(bytes.length);
    const target = reserved.body.upload!;
    expect(
      target.kind === 'presigned-put' && target.url.startsWith(`${userBucket.endpoint}/mine/halyon/`),
    ).toBe(true);
    await client.upload(reserved.body.blob.id, target, bytes);
    expect((await client.commit(reserved.body.blob.id)).status).toBe(200);
    const download = await client.downloadTarget(reserved.body.blob.id);
    expect(download.body.kind === 'presigned-get' && download.body.url.startsWith(userBucket.endpoint)).toBe(
      true,
    );
    expect((await client.download(reserved.body.blob.id)).bytes!.equals(bytes)).toBe(true);
    // Blobs from before stay where they were.
    expect((await client.downloadTarget(before)).body).toMatchObject({ kind: 'presigned-get' });
    expect((await client.download(before)).status).toBe(200);

    const stored = await withBlobTables(server.deps.db)
      .selectFrom('storage_configs')
      .select('credentials_encrypted')
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(stored.credentials_encrypted.includes(Buffer.from(userBucket.credentials.secretAccessKey))).toBe(
      false,
    );
    expect(stored.credentials_encrypted.includes(Buffer.from(userBucket.credentials.accessKeyId))).toBe(
      false,
    );

    expect(
      (
        await server.request('/v1/storage/bucket', {
          method: 'DELETE',
          headers: { Authorization: `Bearer ${user.accessToken}` },
        })
      ).status,
    ).toBe(204);
    const afterRemoval = await client.reserve(10);
    const removedTarget = afterRemoval.body.upload!;
    expect(
      removedTarget.kind === 'presigned-put' &&
        removedTarget.url.startsWith(`${operatorBucket.endpoint}/operator/`),
    ).toBe(true);
    expect((await client.download(reserved.body.blob.id)).status).toBe(200);
  });

  it('gives a browser the server’s own targets for a blob in the user’s bucket, and streams it to the bucket and back', async () => {
    // See: [Note: Targets a browser can reach]. Browsers send Sec-Fetch-Site; the CLI and tests do not.
    const user = await registerTestUser(server);
    const client = blobClient(server, user);
    const onOperatorBucket = await client.store(randomBytes(100));
    const put = await server.json('PUT', '/v1/storage/bucket', registration(), user.accessToken);
    expect(put.status).toBe(200);
    const fromBrowser = { Authorization: `Bearer ${user.accessToken}`, 'Sec-Fetch-Site': 'same-origin' };
    const asBrowser = async <T>(method: string, path: string, body?: unknown) => {
      const response = await server.request(path, {
        method,
        headers: { ...fromBrowser, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as T };
    };

    // Above the multipart threshold, yet one request through the server.
    const bytes = randomBytes(6 * MiB);
    const reserved = await asBrowser<ReserveBlobResponse>('POST', '/v1/blobs', { size: bytes.length });
    const id = reserved.body.blob.id;
    expect(reserved.body.upload).toEqual({
      kind: 'server',
      path: `/v1/blobs/${id}/content`,
      uploadedBytes: 0,
    });
    expect((await asBrowser('POST', `/v1/blobs/${id}/upload`)).body).toMatchObject({
      upload: { kind: 'server' },
    });
    const sent = await server.request(`/v1/blobs/${id}/content`, {
      method: 'PUT',
      headers: {
        ...fromBrowser,
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(bytes.length),
      },
      body: bytes,
    });
    expect(sent.status).toBe(204);
    expect((await client.commit(id)).status).toBe(200);

    // It is in the user's bucket: another client is sent there, and reads the same bytes.
    const straight = await client.downloadTarget(id);
    expect(straight.body.kind === 'presigned-get' && straight.body.url.startsWith(userBucket.endpoint)).toBe(
      true,
    );
    expect((await client.download(id)).bytes!.equals(bytes)).toBe(true);
    // The browser reads it through the server, ranges too.
    expect((await asBrowser<DownloadTarget>('GET', `/v1/blobs/${id}/download`)).body).toEqual({
      kind: 'server',
      path: `/v1/blobs/${id}/content`,
      size: bytes.length,
    });
    const ranged = await server.request(`/v1/blobs/${id}/content`, {
      headers: { ...fromBrowser, Range: 'bytes=1000-1999' },
    });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
    // The operator's bucket, which the web app's CSP names, stays straight for a browser too.
    expect(
      (await asBrowser<DownloadTarget>('GET', `/v1/blobs/${onOperatorBucket}/download`)).body,
    ).toMatchObject({
      kind: 'presigned-get',
    });
  });

  it('refuses a bucket whose test write fails, and changes nothing', async () => {
    const user = await registerTestUser(server);
    const refused = await server.json<{ code: string }>(
      'PUT',
      '/v1/storage/bucket',
      { ...registration(), bucket: `missing-${randomUUID().slice(0, 8)}` },
      user.accessToken,
    );
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('storage_check_failed');
    const current = await server.json('GET', '/v1/storage/bucket', undefined, user.accessToken);
    expect(current.body).toEqual({ bucket: null });
  });
});
