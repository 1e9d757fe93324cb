/**
 * The push's lock-and-read statement under a real lock wait, which needs two connections (PostgreSQL).
 * See: [Note: Locking and reading in one statement]
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server';
import { recordKey } from './push-plan';
import { lockCollectionsAndReadVersions, writePush } from './records.repository';
import { putOp, userWithCollection } from './sync.test-helpers';

async function waitUntilSomeoneWaitsForALock(server: TestServer): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ waiting: number }>`
      select count(*)::int as waiting from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(server.deps.db);
    if (rows[0]!.waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!process.env.DATABASE_URL)(
  'lockCollectionsAndReadVersions (needs DATABASE_URL: PGlite has one connection, so no lock is ever waited for)',
  () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(() => server?.close());

    it('sees a write that committed while it waited for the collection lock', async () => {
      const { client, collectionId } = await userWithCollection(server);
      const recordId = randomUUID();
      await client.push([putOp(collectionId, recordId, 0)]);
      const ref = { collectionId, recordId };
      const userId = client.user.userId;

      // The first writer holds the lock...
      const first = await server.deps.db.startTransaction().execute();
      const held = await lockCollectionsAndReadVersions(first, userId, [collectionId], [ref]);
      expect(held.storedByKey.get(recordKey(collectionId, recordId))?.version).toBe(1);

      // ...while the second starts its statement (taking its snapshot) and waits for that lock.
      const second = await server.deps.db.startTransaction().execute();
      const waiting = lockCollectionsAndReadVersions(second, userId, [collectionId], [ref]);
      await waitUntilSomeoneWaitsForALock(server);

      const record = {
        collectionId,
        recordId,
        version: 2,
        seq: 2,
        deleted: false,
        ciphertext: 'AAAA',
        blobIds: [],
        updatedAt: Date.now(),
      };
      await writePush(first, {
        recordWrites: [{ record, size: 3, opId: randomUUID() }],
        appliedOps: [],
        seqByCollection: new Map([[collectionId, 2]]),
        nowMs: Date.now(),
      });
      await first.commit().execute();

      const after = await waiting;
      await second.rollback().execute();
      expect(after.accessById.get(collectionId)?.seq).toBe(2);
      expect(after.storedByKey.get(recordKey(collectionId, recordId))?.version).toBe(2);
    });
  },
);
