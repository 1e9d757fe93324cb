import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { CommitBlobsResponse, Problem, ReserveBlobsResponse, StorageUsage } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listenOnFreePort, registerTestUser, startTestServer, type TestServer } from '../../test/test-server';
import { deleteOp, putOp, syncClient, userWithCollection } from '../sync/sync.test-helpers';
import { createBlobStores } from './blob-stores';
import { blobsConfigFromEnv } from './blobs.config';
import { setQuota } from './blobs.repository';
import { withBlobTables } from './blobs.schema';
import { blobClient } from './blobs.test-helpers';
import { startS3rver } from './stores/s3rver-harness';

const MiB = 1024 * 1024;

/** Batch answers as the tests read them: the response, or a problem on the same body. */
type Reserved = ReserveBlobsResponse & Problem;
type Committed = CommitBlobsResponse & Problem;

type Variant = { readonly name: string; start(): Promise<{ server: TestServer; stop(): Promise<void> }> };

const variants: Variant[] = [
  {
    name: 'filesystem store',
    async start() {
      const server = await startTestServer();
      return { server, stop: () => server.close() };
    },
  },
  {
    name: 's3 store',
    async start() {
      const s3 = await startS3rver();
      const env = {
        BLOB_STORE: 's3',
        BLOB_S3_ENDPOINT: s3.endpoint,
        BLOB_S3_BUCKET: s3.bucket,
        BLOB_S3_FORCE_PATH_STYLE: 'true',
        BLOB_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        BLOB_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        BLOB_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
        BLOB_PART_SIZE_BYTES: String(5 * MiB),
      };
      const server = await startTestServer({
        extendDeps: (deps) => {
          const config = blobsConfigFromEnv(env, '/nonexistent');
          return { ...deps, blobs: { ...deps.blobs, config, stores: createBlobStores(config) } };
        },
      });
      return {
        server,
        async stop() {
          await server.close();
          await s3.stop();
        },
      };
    },
  },
];

describe.each(variants)('blob API on the $name', (variant) => {
  let server: TestServer;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ server, stop } = await variant.start());
  });
  afterAll(() => stop?.());

  const newClient = async () => blobClient(server, await registerTestUser(server));

  it('reserves, uploads, commits and downloads the same bytes, with usage accounted', async () => {
    const client = await newClient();
    const bytes = randomBytes(200_000);
    const id = randomUUID();
    const reserved = await client.reserve(bytes.length, id);
    expect(reserved.status).toBe(201);
    expect(reserved.body.blob).toMatchObject({
      id,
      size: bytes.length,
      state: 'reserved',
      committedAt: null,
    });
    expect(reserved.body.usage).toMatchObject({ usedBytes: 0, reservedBytes: bytes.length });

    expect((await client.upload(id, reserved.body.upload!, bytes)).status).toBeLessThan(300);
    const committed = await client.commit(id);
    expect(committed.status).toBe(200);
    expect(committed.body.blob.state).toBe('committed');
    expect(committed.body.usage).toMatchObject({ usedBytes: bytes.length, reservedBytes: 0 });

    const downloaded = await client.download(id);
    expect(downloaded.status).toBe(200);
    expect(downloaded.bytes!.equals(bytes)).toBe(true);

    const ranged = await client.download(id, 'bytes=100-199');
    expect(ranged.status).toBe(206);
    expect(ranged.bytes!.equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('treats a repeated reservation and a repeated commit as retries', async () => {
    const client = await newClient();
    const bytes = randomBytes(1000);
    const id = randomUUID();
    await client.reserve(bytes.length, id);
    const again = await client.reserve(bytes.length, id);
    expect(again.status).toBe(201);
    expect(again.body.usage.reservedBytes).toBe(1000);
    await client.upload(id, again.body.upload!, bytes);
    expect((await client.commit(id)).status).toBe(200);
    const recommit = await client.commit(id);
    expect(recommit.status).toBe(200);
    expect(recommit.body.usage.usedBytes).toBe(1000);
    const afterCommit = await client.reserve(bytes.length, id);
    expect(afterCommit.body.upload).toBeNull();

    const otherSize = await client.reserve(2000, id);
    expect(otherSize.status).toBe(409);
    expect(otherSize.body.code).toBe('blob_exists');
  });

  it('refuses to commit a blob whose stored size differs, deletes it, and accepts the upload sent again', async () => {
    const client = await newClient();
    const bytes = randomBytes(10_000);
    const reserved = await client.reserve(bytes.length);
    const id = reserved.body.blob.id;

    const nothingYet = await client.commit(id);
    expect(nothingYet.status).toBe(409);
    expect(nothingYet.body.code).toBe('blob_size_mismatch');

    const short = await client.upload(id, reserved.body.upload!, bytes.subarray(0, 5_000));
    if (short.status < 300) {
      // A presigned PUT cannot hold the client to the size; the commit does.
      const commit = await client.commit(id);
      expect(commit.status).toBe(409);
      expect(commit.body.code).toBe('blob_size_mismatch');
    } else {
      expect(short.status).toBe(409);
    }
    expect((await client.download(id)).status).toBe(404);

    const target = await client.uploadTarget(id);
    await client.upload(id, target.body.upload, bytes);
    expect((await client.commit(id)).status).toBe(200);
    expect((await client.download(id)).bytes!.equals(bytes)).toBe(true);
  });

  it('does not let another user read, upload to, commit or reference someone else’s blob', async () => {
    const owner = await newClient();
    const intruder = await newClient();
    const reserved = await owner.reserve(100);
    const pendingId = reserved.body.blob.id;
    const committedId = await owner.store(randomBytes(100));

    for (const id of [pendingId, committedId]) {
      expect((await intruder.downloadTarget(id)).body.code).toBe('blob_not_found');
      expect((await intruder.commit(id)).body.code).toBe('blob_not_found');
      expect((await intruder.uploadTarget(id)).body.code).toBe('blob_not_found');
      const content = await server.request(`/v1/blobs/${id}/content`, {
        headers: { Authorization: `Bearer ${intruder.user.accessToken}` },
      });
      expect(content.status).toBe(404);
      const put = await server.request(`/v1/blobs/${id}/content`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${intruder.user.accessToken}` },
        body: randomBytes(100),
      });
      expect(put.status).toBe(404);
    }
    expect((await intruder.reserve(100, committedId)).body.code).toBe('blob_exists');

    const { collectionId } = await userWithCollection(server);
    const sync = syncClient(server, intruder.user);
    await sync.createCollection(collectionId).catch(() => undefined);
    const own = randomUUID();
    await sync.createCollection(own);
    const push = await sync.push([{ ...putOp(own, randomUUID(), 0), blobIds: [committedId] }]);
    expect(push.body.results[0]).toMatchObject({ status: 'rejected', code: 'blob_not_found' });
    expect((await owner.download(committedId)).status).toBe(200);
  });

  it('answers an exceeded quota with quota_exceeded and changes nothing', async () => {
    const client = await newClient();
    await setQuota(server.deps.db, client.user.userId, 10_000);
    await client.store(randomBytes(6_000));
    const before = await server.json('GET', '/v1/blobs/usage', undefined, client.user.accessToken);
    expect(before.body).toEqual({ usedBytes: 6_000, reservedBytes: 0, quotaBytes: 10_000 });

    const id = randomUUID();
    const refused = await client.reserve(5_000, id);
    expect(refused.status).toBe(507);
    expect(refused.body.code).toBe('quota_exceeded');
    expect(refused.body.detail).toContain('10000');
    expect((await server.json('GET', '/v1/blobs/usage', undefined, client.user.accessToken)).body).toEqual(
      before.body,
    );
    expect(
      await withBlobTables(server.deps.db).selectFrom('blobs').where('id', '=', id).select('id').execute(),
    ).toEqual([]);
    // Reserved bytes count too, so uploads started together cannot overshoot together.
    const together = await Promise.all([1, 2, 3].map(() => client.reserve(3_000)));
    expect(together.map((r) => r.status).sort()).toEqual([201, 507, 507]);
  });

  it('reserves and commits a photo’s blobs in one request each, all or none', async () => {
    const client = await newClient();
    const token = client.user.accessToken;
    const contents = [randomBytes(3_000), randomBytes(200), randomBytes(900)];
    const ids = contents.map(() => randomUUID());
    const asked = ids.map((id, i) => ({ id, size: contents[i]!.length }));
    const reserved = await server.json<Reserved>('POST', '/v1/blobs/reserve-batch', { blobs: asked }, token);
    expect(reserved.status).toBe(201);
    expect(reserved.body.blobs.map((b: { blob: { id: string } }) => b.blob.id)).toEqual(ids);
    expect(reserved.body.usage.reservedBytes).toBe(4_100);
    // Asking again is a retry: the same blobs, fresh targets, nothing reserved twice.
    const again = await server.json<Reserved>('POST', '/v1/blobs/reserve-batch', { blobs: asked }, token);
    expect(again.status).toBe(201);
    expect(again.body.usage.reservedBytes).toBe(4_100);

    const parts: ({ partNumber: number; etag: string }[] | undefined)[] = [];
    for (const [i, id] of ids.entries()) {
      if (i === 2) continue; // the last one is not uploaded yet
      parts.push((await client.upload(id, reserved.body.blobs[i]!.upload!, contents[i]!)).parts);
    }
    const early = await server.json<Committed>(
      'POST',
      '/v1/blobs/commit-batch',
      { blobs: ids.map((id) => ({ id })) },
      token,
    );
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('blob_size_mismatch');
    expect(early.body.detail).toContain(ids[2]);
    expect((await client.downloadTarget(ids[0]!)).status).toBe(404); // none was committed

    await client.upload(ids[2]!, reserved.body.blobs[2]!.upload!, contents[2]!);
    const committed = await server.json<Committed>(
      'POST',
      '/v1/blobs/commit-batch',
      { blobs: ids.map((id) => ({ id })) },
      token,
    );
    expect(committed.status).toBe(200);
    expect(committed.body.blobs.map((b: { state: string }) => b.state)).toEqual([
      'committed',
      'committed',
      'committed',
    ]);
    expect(committed.body.usage).toMatchObject({ usedBytes: 4_100, reservedBytes: 0 });
    for (const [i, id] of ids.entries()) expect((await client.download(id)).bytes).toEqual(contents[i]);
    // Committing again is fine and counts nothing twice.
    const recommit = await server.json<Committed>(
      'POST',
      '/v1/blobs/commit-batch',
      { blobs: [{ id: ids[0] }] },
      token,
    );
    expect(recommit.body.usage.usedBytes).toBe(4_100);
  });

  it('refuses a batch over the quota, or with someone else’s id, and reserves none of it', async () => {
    const client = await newClient();
    const token = client.user.accessToken;
    await setQuota(server.deps.db, client.user.userId, 10_000);
    const over = [6_000, 5_000].map((size) => ({ id: randomUUID(), size }));
    const refused = await server.json<Reserved>('POST', '/v1/blobs/reserve-batch', { blobs: over }, token);
    expect(refused.status).toBe(507);
    expect(refused.body.code).toBe('quota_exceeded');

    const other = await newClient();
    const taken = (await other.reserve(100)).body.blob.id;
    const mixed = [
      { id: randomUUID(), size: 100 },
      { id: taken, size: 100 },
    ];
    const clash = await server.json<Reserved>('POST', '/v1/blobs/reserve-batch', { blobs: mixed }, token);
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('blob_exists');
    const ownIds = [...over, ...mixed].map((b) => b.id).filter((id) => id !== taken);
    expect(
      await withBlobTables(server.deps.db)
        .selectFrom('blobs')
        .where('id', 'in', ownIds)
        .select('id')
        .execute(),
    ).toEqual([]);
    expect(
      (await server.json<StorageUsage>('GET', '/v1/blobs/usage', undefined, token)).body.reservedBytes,
    ).toBe(0);
    // Someone else's blob cannot be committed in a batch either.
    const intruding = await server.json<Committed>(
      'POST',
      '/v1/blobs/commit-batch',
      { blobs: [{ id: taken }] },
      token,
    );
    expect(intruding.body.code).toBe('blob_not_found');
    const duplicated = await server.json<Reserved>(
      'POST',
      '/v1/blobs/reserve-batch',
      { blobs: [mixed[0], mixed[0]] },
      token,
    );
    expect(duplicated.body.code).toBe('validation_failed');
  });

  it('lets a record refer to a blob only once it is committed, and then its collection’s members read it', async () => {
    const owner = await newClient();
    const member = await newClient();
    const outsider = await newClient();
    const { collectionId } = await (async () => {
      const sync = syncClient(server, owner.user);
      const id = randomUUID();
      await sync.createCollection(id);
      return { collectionId: id };
    })();
    const sync = syncClient(server, owner.user);
    const bytes = randomBytes(3_000);
    const reserved = await owner.reserve(bytes.length);
    const id = reserved.body.blob.id;
    const recordId = randomUUID();

    const early = await sync.push([{ ...putOp(collectionId, recordId, 0), blobIds: [id] }]);
    expect(early.body.results[0]).toMatchObject({ status: 'rejected', code: 'blob_not_committed' });

    const uploaded = await owner.upload(id, reserved.body.upload!, bytes);
    await owner.commit(id, uploaded.parts);
    const applied = await sync.push([{ ...putOp(collectionId, recordId, 0), blobIds: [id] }]);
    expect(applied.body.results[0]).toMatchObject({ status: 'applied' });

    expect((await member.download(id)).status).toBe(404);
    await server.deps.db
      .insertInto('memberships')
      .values({
        collection_id: collectionId,
        user_id: member.user.userId,
        role: 'reader',
        key_epoch: 1,
        encrypted_key: randomBytes(40),
        seq: 1,
      })
      .execute();
    const read = await member.download(id);
    expect(read.status).toBe(200);
    expect(read.bytes!.equals(bytes)).toBe(true);
    expect((await outsider.download(id)).status).toBe(404);

    // Once the record is deleted, only the owner can still read the blob (until the GC takes it).
    expect((await sync.push([deleteOp(collectionId, recordId, 1)])).body.results[0]).toMatchObject({
      status: 'applied',
    });
    expect((await member.download(id)).status).toBe(404);
    expect((await owner.download(id)).status).toBe(200);
  });

  it('refuses every blob request without an access token', async () => {
    const id = randomUUID();
    for (const [method, path] of [
      ['POST', '/v1/blobs'],
      ['GET', '/v1/blobs/usage'],
      ['PUT', `/v1/blobs/${id}/content`],
      ['GET', `/v1/blobs/${id}/content`],
      ['POST', `/v1/blobs/${id}/commit`],
      ['GET', `/v1/blobs/${id}/download`],
      ['PUT', '/v1/storage/bucket'],
    ] as const) {
      const response = await server.json<{ code: string }>(method, path, method === 'GET' ? undefined : {});
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.body.code).toBe('unauthorized');
    }
  });

  it('answers a range outside the blob with 416', async () => {
    const client = await newClient();
    const id = await client.store(randomBytes(100));
    const response = await server.request(`/v1/blobs/${id}/content`, {
      headers: { Authorization: `Bearer ${client.user.accessToken}`, Range: 'bytes=100-' },
    });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe('bytes */100');
  });
});

describe('blob API on the filesystem store, over a real socket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('shows no blob after an upload is killed mid-way, and resumes it from the bytes that arrived', async () => {
    const client = blobClient(server, await registerTestUser(server));
    const bytes = randomBytes(4 * MiB);
    const reserved = await client.reserve(bytes.length);
    const id = reserved.body.blob.id;
    expect(reserved.body.upload).toMatchObject({ kind: 'server', uploadedBytes: 0 });
    const listening = await listenOnFreePort(server.app);
    const auth = { Authorization: `Bearer ${client.user.accessToken}` };
    try {
      const url = new URL(`/v1/blobs/${id}/content`, listening.url);
      await new Promise<void>((resolve) => {
        const req = httpRequest(url, {
          method: 'PUT',
          headers: { ...auth, 'Content-Length': String(bytes.length) },
        });
        req.on('error', () => resolve());
        req.write(bytes.subarray(0, MiB), () => {
          req.destroy(); // the client dies mid-body
          resolve();
        });
      });

      const commit = await client.commit(id);
      expect(commit.status).toBe(409);
      expect(commit.body.code).toBe('blob_size_mismatch');
      expect((await client.download(id)).status).toBe(404);

      // The server keeps what arrived once it has noticed the dropped connection.
      await vi.waitFor(async () => {
        const target = await client.uploadTarget(id);
        expect(target.body.upload).toMatchObject({ kind: 'server', uploadedBytes: expect.any(Number) });
        expect((target.body.upload as { uploadedBytes: number }).uploadedBytes).toBeGreaterThan(0);
      });
      // Resume like a client: ask where to continue, send the rest; a stale answer (the killed request was
      // still being written) is refused with 409 and the client asks again.
      let resumedFrom = -1;
      for (let attempt = 0; attempt < 5 && resumedFrom < 0; attempt++) {
        const target = await client.uploadTarget(id);
        if (target.body.upload.kind !== 'server') throw new Error('expected the server upload target');
        const from = target.body.upload.uploadedBytes;
        const response = await fetch(url, {
          method: 'PUT',
          headers: { ...auth, 'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` },
          body: bytes.subarray(from),
        });
        if (response.status === 204) resumedFrom = from;
        else expect(response.status).toBe(409);
      }
      expect(resumedFrom).toBeGreaterThan(0);
      expect(resumedFrom).toBeLessThanOrEqual(MiB);
      expect((await client.commit(id)).status).toBe(200);
      expect((await client.download(id)).bytes!.equals(bytes)).toBe(true);
    } finally {
      await listening.stop(1000);
    }
  });

  it('refuses a piece that does not continue the upload, and an upload that is whole but the wrong size', async () => {
    const client = blobClient(server, await registerTestUser(server));
    const id = (await client.reserve(1000)).body.blob.id;
    const put = (body: Uint8Array, headers: Record<string, string> = {}) =>
      server.request(`/v1/blobs/${id}/content`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${client.user.accessToken}`, ...headers },
        body,
      });
    expect((await put(randomBytes(400), { 'Content-Range': 'bytes 0-399/1000' })).status).toBe(204);
    const gap = await put(randomBytes(100), { 'Content-Range': 'bytes 500-599/1000' });
    expect(gap.status).toBe(409);
    expect(((await gap.json()) as { detail: string }).detail).toContain('from byte 400');
    expect((await put(randomBytes(100), { 'Content-Range': 'bytes 0-99/2000' })).status).toBe(409);
    expect((await put(randomBytes(999))).status).toBe(409);
    expect((await client.commit(id)).body.code).toBe('blob_size_mismatch');
  });
});
