import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestUser, startTestServer, type TestServer } from '../../test/test-server';
import { deleteOp, putOp, syncClient } from '../sync/sync.test-helpers';
import { createBlobStores } from './blob-stores';
import { blobsConfigFromEnv } from './blobs.config';
import { runBlobGc } from './blobs.gc';
import { blobClient } from './blobs.test-helpers';
import { type RunningS3rver, startS3rver } from './stores/s3rver-harness';

const HOUR = 60 * 60 * 1000;
const gcEnv = {
  BLOB_RESERVATION_TTL_MS: String(24 * HOUR),
  BLOB_UNREFERENCED_GRACE_MS: String(7 * 24 * HOUR),
  // The tests move the clock by weeks; the session must outlive that.
  ACCESS_TOKEN_TTL_MS: String(365 * 24 * HOUR),
};

describe('blob garbage collection', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: gcEnv });
  });
  afterAll(() => server?.close());

  const gc = () => runBlobGc(server.deps.blobs);
  const isStored = async (id: string) =>
    (await server.deps.blobs.stores.defaultStore.stat(`${id.slice(0, 2)}/${id}`)) !== null;
  const usageOf = async (token: string) =>
    (
      await server.json<{ usedBytes: number; reservedBytes: number }>(
        'GET',
        '/v1/blobs/usage',
        undefined,
        token,
      )
    ).body;

  it('drops a reservation never committed after its time-to-live, with its bytes, freeing the quota', async () => {
    const client = blobClient(server, await registerTestUser(server));
    const stale = await client.reserve(500);
    const staleId = stale.body.blob.id;
    await client.upload(staleId, stale.body.upload!, randomBytes(500));
    server.clock.advance(23 * HOUR);
    const fresh = (await client.reserve(300)).body.blob.id;
    await gc();
    expect(await isStored(staleId)).toBe(true);

    server.clock.advance(2 * HOUR);
    await gc();
    expect(await isStored(staleId)).toBe(false);
    expect((await client.commit(staleId)).body.code).toBe('blob_not_found');
    expect(await usageOf(client.user.accessToken)).toMatchObject({ usedBytes: 0, reservedBytes: 300 });
    expect((await client.uploadTarget(fresh)).status).toBe(200);
  });

  it('deletes a committed blob no record refers to once the grace period has passed', async () => {
    const client = blobClient(server, await registerTestUser(server));
    const id = await client.store(randomBytes(1_000));
    await gc();
    server.clock.advance(6 * 24 * HOUR);
    await gc();
    expect((await client.download(id)).status).toBe(200);

    server.clock.advance(2 * 24 * HOUR);
    await gc();
    expect((await client.download(id)).status).toBe(404);
    expect(await isStored(id)).toBe(false);
    expect(await usageOf(client.user.accessToken)).toMatchObject({ usedBytes: 0 });
  });

  it('keeps a blob while a live record refers to it, and deletes it a grace period after the record is deleted', async () => {
    const user = await registerTestUser(server);
    const client = blobClient(server, user);
    const sync = syncClient(server, user);
    const collectionId = randomUUID();
    await sync.createCollection(collectionId);
    const id = await client.store(randomBytes(2_000));
    const recordId = randomUUID();
    expect(
      (await sync.push([{ ...putOp(collectionId, recordId, 0), blobIds: [id] }])).body.results[0],
    ).toMatchObject({
      status: 'applied',
    });

    server.clock.advance(30 * 24 * HOUR);
    await gc();
    expect((await client.download(id)).status).toBe(200);
    expect(await usageOf(user.accessToken)).toMatchObject({ usedBytes: 2_000 });

    await sync.push([deleteOp(collectionId, recordId, 1)]);
    await gc(); // starts the blob's unreferenced clock
    server.clock.advance(6 * 24 * HOUR);
    await gc();
    expect((await client.download(id)).status).toBe(200);
    server.clock.advance(2 * 24 * HOUR);
    await gc();
    expect((await client.download(id)).status).toBe(404);
    expect(await usageOf(user.accessToken)).toMatchObject({ usedBytes: 0 });
  });

  it('keeps a blob that a record refers to again within the grace period', async () => {
    const user = await registerTestUser(server);
    const client = blobClient(server, user);
    const sync = syncClient(server, user);
    const collectionId = randomUUID();
    await sync.createCollection(collectionId);
    const id = await client.store(randomBytes(100));
    await gc();
    server.clock.advance(6 * 24 * HOUR);
    await sync.push([{ ...putOp(collectionId, randomUUID(), 0), blobIds: [id] }]);
    server.clock.advance(30 * 24 * HOUR);
    await gc();
    expect((await client.download(id)).status).toBe(200);
  });
});

describe('blob garbage collection on S3', () => {
  let s3: RunningS3rver;
  let server: TestServer;
  beforeAll(async () => {
    s3 = await startS3rver();
    const env = {
      ...gcEnv,
      BLOB_STORE: 's3',
      BLOB_S3_ENDPOINT: s3.endpoint,
      BLOB_S3_BUCKET: s3.bucket,
      BLOB_S3_FORCE_PATH_STYLE: 'true',
      BLOB_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      BLOB_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      BLOB_MULTIPART_THRESHOLD_BYTES: String(5 * 1024 * 1024),
      BLOB_PART_SIZE_BYTES: String(5 * 1024 * 1024),
    };
    server = await startTestServer({
      env: gcEnv,
      extendDeps: (deps) => {
        const config = blobsConfigFromEnv(env, '/nonexistent');
        return { ...deps, blobs: { ...deps.blobs, config, stores: createBlobStores(config) } };
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await s3?.stop();
  });

  it('aborts the multipart upload of an expired reservation', async () => {
    const client = blobClient(server, await registerTestUser(server));
    const reserved = await client.reserve(6 * 1024 * 1024);
    const target = reserved.body.upload!;
    expect(target.kind).toBe('multipart');
    if (target.kind !== 'multipart') return;
    await fetch(target.parts[0]!.url, { method: 'PUT', body: randomBytes(target.partSize) });
    expect(await s3.pendingMultipartUploads()).toBe(1);

    server.clock.advance(25 * HOUR);
    const report = await runBlobGc(server.deps.blobs);
    expect(report.expiredReservations).toBe(1);
    expect(await s3.pendingMultipartUploads()).toBe(0);
    expect((await client.commit(reserved.body.blob.id)).body.code).toBe('blob_not_found');
  });
});
