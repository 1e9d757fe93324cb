import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test/test-database';
import type { DatabaseHandle } from './database';
import { startPGliteMaintenance } from './pglite-maintenance';

let database: DatabaseHandle;
let collectionId: string;
beforeAll(async () => {
  database = await openTestDatabase();
  const user = await database.db
    .insertInto('users')
    .values({ email: `${randomUUID()}@example.test`, auth_key_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  collectionId = randomUUID();
  await database.db.insertInto('collections').values({ id: collectionId, owner_id: user.id }).execute();
});
afterAll(async () => {
  await database?.close();
});

let nextSeq = 1;

/** Rewrites the same 50 records `times` times: each rewrite leaves a dead row version behind. */
async function rewriteRecords(times: number): Promise<void> {
  const ids = Array.from({ length: 50 }, () => randomUUID());
  for (let round = 1; round <= times; round++) {
    await database.db
      .insertInto('records')
      .values(
        ids.map((id) => ({
          collection_id: collectionId,
          record_id: id,
          version: round,
          ciphertext: randomBytes(1024),
          seq: nextSeq++,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['collection_id', 'record_id']).doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          ciphertext: eb.ref('excluded.ciphertext'),
          seq: eb.ref('excluded.seq'),
        })),
      )
      .execute();
  }
}

/** What VACUUM leaves behind: its count of live records in pg_class (-1 or stale until it runs). */
const vacuumedRecordCount = async () =>
  Number(
    (
      await sql<{ n: number }>`SELECT reltuples::int8 AS n FROM pg_class WHERE relname = 'records'`.execute(
        database.db,
      )
    ).rows[0]?.n,
  );

/** Where the last checkpoint started: moves only when a CHECKPOINT runs. */
const lastCheckpoint = async () =>
  (await sql<{ lsn: string }>`SELECT redo_lsn::text AS lsn FROM pg_control_checkpoint()`.execute(database.db))
    .rows[0]?.lsn;

describe.runIf(!process.env.DATABASE_URL)('PGlite maintenance', () => {
  it('vacuums and checkpoints once enough WAL was written, and not before', async () => {
    const job = startPGliteMaintenance(
      database,
      { checkIntervalMs: 60_000, walBytesThreshold: 512 * 1024 },
      () => {},
    );
    try {
      expect(await job.runIfDue()).toBe(true); // the first check counts the WAL written since initdb
      const checkpointAfterFirstPass = await lastCheckpoint();

      await rewriteRecords(2);
      expect(await job.runIfDue()).toBe(false);
      expect(await lastCheckpoint()).toBe(checkpointAfterFirstPass);
      expect(await vacuumedRecordCount()).not.toBe(50);

      await rewriteRecords(10);
      expect(await job.runIfDue()).toBe(true);
      expect(await lastCheckpoint()).not.toBe(checkpointAfterFirstPass);
      expect(await vacuumedRecordCount()).toBe(100);
    } finally {
      await job.stop();
    }
  });
});

describe.runIf(!!process.env.DATABASE_URL)('maintenance on PostgreSQL', () => {
  it('does nothing: autovacuum and the checkpointer do this job there', async () => {
    const job = startPGliteMaintenance(database, { checkIntervalMs: 60_000, walBytesThreshold: 1 }, () => {});
    await rewriteRecords(2);
    expect(await job.runIfDue()).toBe(false);
    await job.stop();
  });
});
