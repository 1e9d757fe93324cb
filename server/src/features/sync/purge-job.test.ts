import { randomUUID } from 'node:crypto';
import { ReconcileResponse } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server';
import { purgeExpired, startPurgeJob } from './purge-job';
import { deleteOp, pullAll, putOp, userWithCollection } from './sync.test-helpers';

const DAY_MS = 24 * 60 * 60 * 1000;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    env: {
      SYNC_TOMBSTONE_RETENTION_MS: String(30 * DAY_MS),
      SYNC_APPLIED_OPS_RETENTION_MS: String(60 * DAY_MS),
      // The clock jumps months ahead here; the tokens must outlive it.
      ACCESS_TOKEN_TTL_MS: String(3650 * DAY_MS),
      REFRESH_TOKEN_TTL_MS: String(3650 * DAY_MS),
    },
  });
});
afterAll(() => server?.close());

const purgeNow = () => purgeExpired(server.deps.db, server.deps.config.sync, server.clock.now());

/** A collection where a client saw seq 2 (two creates), then one record was deleted (3) and one edited (4). */
async function collectionWithTombstone() {
  const { client, collectionId } = await userWithCollection(server);
  const [gone, kept] = [randomUUID(), randomUUID()];
  await client.push([putOp(collectionId, gone, 0), putOp(collectionId, kept, 0)]);
  await client.push([deleteOp(collectionId, gone, 1), putOp(collectionId, kept, 1)]);
  return { client, collectionId, gone, kept };
}

describe('tombstone purge', () => {
  it('keeps tombstones inside the retention window', async () => {
    const { client, collectionId, gone } = await collectionWithTombstone();
    server.clock.advance(DAY_MS);
    await purgeNow();
    const pulled = await client.pull({ [collectionId]: 2 });
    expect(pulled.status).toBe(200);
    expect(pulled.body.changes).toContainEqual(expect.objectContaining({ recordId: gone, deleted: true }));
  });

  it('purges old tombstones and answers a cursor below the purge floor with 410 cursor_expired', async () => {
    const { client, collectionId, kept } = await collectionWithTombstone();
    server.clock.advance(31 * DAY_MS);
    const report = await purgeNow();
    expect(report.tombstonesPurged).toBeGreaterThanOrEqual(1);

    const stale = await client.pull({ [collectionId]: 2 });
    expect(stale.status).toBe(410);
    expect(stale.body).toMatchObject({ code: 'cursor_expired', collectionIds: [collectionId] });
    // A fresh client (cursor 0) and one that already saw the deletion are unaffected.
    const fresh = await pullAll(client, { [collectionId]: 0 });
    expect(fresh.changes.map((c) => c.recordId)).toEqual([kept]);
    expect((await client.pull({ [collectionId]: 3 })).status).toBe(200);
  });

  it('lets an expired client reconcile its manifest and then pull from the returned seq', async () => {
    const { client, collectionId, gone, kept } = await collectionWithTombstone();
    server.clock.advance(31 * DAY_MS);
    await purgeNow();

    const response = await client.reconcile({
      collectionId,
      after: null,
      until: null,
      known: [
        { recordId: gone, version: 1 },
        { recordId: kept, version: 1 },
      ],
    });
    const answer = ReconcileResponse.parse(response.body);
    expect(answer.changed).toEqual([expect.objectContaining({ recordId: kept, version: 2 })]);
    expect(answer.missing).toEqual([gone]);
    expect(answer.seq).toBe(4);

    const next = putOp(collectionId, randomUUID(), 0);
    await client.push([next]);
    const after = await client.pull({ [collectionId]: answer.seq });
    expect(after.status).toBe(200);
    expect(after.body.changes.map((c) => c.recordId)).toEqual([next.recordId]);
  });

  it('forgets applied op ids after their retention, so a very late retry is judged on versions', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const op = putOp(collectionId, randomUUID(), 0);
    await client.push([op]);
    server.clock.advance(61 * DAY_MS);
    const report = await purgeNow();
    expect(report.appliedOpsPruned).toBeGreaterThanOrEqual(1);
    const late = await client.push([op]);
    expect(late.body.results[0]).toMatchObject({ status: 'conflict', current: { version: 1 } });
  });

  it('runs on an interval until stopped', async () => {
    const { client, collectionId, gone } = await collectionWithTombstone();
    server.clock.advance(31 * DAY_MS);
    let stop: () => Promise<void> = async () => {};
    const firstReport = new Promise((resolve, reject) => {
      stop = startPurgeJob({
        db: server.deps.db,
        settings: server.deps.config.sync,
        now: server.clock.now,
        intervalMs: 10,
        onReport: resolve,
        onError: reject,
      });
    });
    await firstReport;
    await stop();
    const fresh = await pullAll(client, { [collectionId]: 0 });
    expect(fresh.changes.map((c) => c.recordId)).not.toContain(gone);
  });
});
