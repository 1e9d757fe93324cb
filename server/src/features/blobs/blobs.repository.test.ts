import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestUser, startTestServer, type TestServer } from '../../test/test-server';
import { checkBlobRefs } from './blobs.repository';
import { blobClient } from './blobs.test-helpers';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('checkBlobRefs', () => {
  it('answers ok only for the pusher’s own committed blobs', async () => {
    const owner = blobClient(server, await registerTestUser(server));
    const other = blobClient(server, await registerTestUser(server));
    const committed = await owner.store(randomBytes(10));
    const reserved = (await owner.reserve(10)).body.blob.id;
    const foreign = await other.store(randomBytes(10));
    const unknown = randomUUID();

    const statusById = await checkBlobRefs(server.deps.db, owner.user.userId, [
      committed,
      reserved,
      foreign,
      unknown,
      committed,
    ]);
    expect(Object.fromEntries(statusById)).toEqual({
      [committed]: 'ok',
      [reserved]: 'blob_not_committed',
      [foreign]: 'blob_not_found',
      [unknown]: 'blob_not_found',
    });
    expect((await checkBlobRefs(server.deps.db, owner.user.userId, [])).size).toBe(0);
  });
});
