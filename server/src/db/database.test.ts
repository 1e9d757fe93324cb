import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test/test-database';
import type { DatabaseHandle } from './database';

let database: DatabaseHandle;
let ownerId: string;
beforeAll(async () => {
  database = await openTestDatabase();
  const user = await database.db
    .insertInto('users')
    .values({ email: `${randomUUID()}@example.test`, auth_key_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  ownerId = user.id;
});
afterAll(async () => {
  await database?.close();
});

describe(`database (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('returns bytea as Buffer and int8 as number, the same on both drivers', async () => {
    const id = randomUUID();
    const bytes = randomBytes(33);
    await database.db
      .insertInto('collections')
      .values({ id, owner_id: ownerId, seq: 2 ** 40 + 1 })
      .execute();
    await database.db
      .insertInto('records')
      .values({
        collection_id: id,
        record_id: randomUUID(),
        version: 1,
        ciphertext: bytes,
        seq: 7,
        blob_ids: [id],
      })
      .execute();
    const collection = await database.db
      .selectFrom('collections')
      .select('seq')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const record = await database.db
      .selectFrom('records')
      .select(['ciphertext', 'seq', 'blob_ids'])
      .where('collection_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(collection.seq).toBe(2 ** 40 + 1);
    expect(Buffer.isBuffer(record.ciphertext)).toBe(true);
    expect(record.ciphertext?.equals(bytes)).toBe(true);
    expect(record.seq).toBe(7);
    expect(record.blob_ids).toEqual([id]);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM collections`.execute(database.db);
    expect(typeof rows[0]?.n).toBe('number');
  });

  it('gives the same types for queries without parameters (the simple-query path on PGlite)', async () => {
    const { rows } = await sql<{ b: Buffer; n: number }>`SELECT '\\x0102'::bytea AS b, 42::int8 AS n`.execute(
      database.db,
    );
    expect(Buffer.isBuffer(rows[0]?.b)).toBe(true);
    expect([...(rows[0]?.b ?? [])]).toEqual([1, 2]);
    expect(rows[0]?.n).toBe(42);
  });

  it('refuses an int8 beyond 2^53 instead of rounding it', async () => {
    await expect(sql`SELECT 9007199254740993::int8 AS n`.execute(database.db)).rejects.toThrow(
      /MAX_SAFE_INTEGER/,
    );
  });

  it('runs concurrent transactions without losing an update', async () => {
    const id = randomUUID();
    await database.db.insertInto('collections').values({ id, owner_id: ownerId }).execute();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        database.db.transaction().execute(async (trx) => {
          const row = await trx
            .selectFrom('collections')
            .select('seq')
            .where('id', '=', id)
            .forUpdate()
            .executeTakeFirstOrThrow();
          await trx
            .updateTable('collections')
            .set({ seq: row.seq + 1 })
            .where('id', '=', id)
            .execute();
        }),
      ),
    );
    const row = await database.db
      .selectFrom('collections')
      .select('seq')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.seq).toBe(20);
  });

  it('rolls a failed transaction back and stays usable', async () => {
    const id = randomUUID();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('collections').values({ id, owner_id: ownerId }).execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const found = await database.db
      .selectFrom('collections')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(found).toBeUndefined();
  });

  it('delivers NOTIFY to listeners after commit, and stops after unlisten', async () => {
    const received: string[] = [];
    const unlisten = await database.listen('halyon_test', (payload) => received.push(payload));
    await database.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_notify('halyon_test', 'in-transaction')`.execute(trx);
      expect(received).toEqual([]);
    });
    await sql`SELECT pg_notify('halyon_test', 'plain')`.execute(database.db);
    await waitFor(() => received.length === 2);
    expect(received).toEqual(['in-transaction', 'plain']);

    await unlisten();
    await sql`SELECT pg_notify('halyon_test', 'after')`.execute(database.db);
    await sql`SELECT 1`.execute(database.db);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual(['in-transaction', 'plain']);
  });
});

describe('listen', () => {
  it('has a subscriber listening once its own subscription resolves, even if another one started first', async () => {
    const received: string[] = [];
    const first = database.listen('halyon_fresh', (p) => received.push(`a:${p}`));
    const unlistenSecond = await database.listen('halyon_fresh', (p) => received.push(`b:${p}`));
    // Sent before the first subscription is awaited: the second has resolved, so it must hear this.
    await sql`SELECT pg_notify('halyon_fresh', 'x')`.execute(database.db);
    await waitFor(() => received.includes('b:x'));
    await (await first)();
    await unlistenSecond();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
