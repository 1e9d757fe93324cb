import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test/test-database';
import type { DatabaseHandle } from './database';
import type { Database } from './schema';

/**
 * Every column of every table in schema.ts, spelled out: TypeScript refuses this object if schema.ts gains or
 * loses a column, and the test below refuses it if the SQL differs. Together: schema.ts matches the migrations.
 */
const COLUMNS_BY_TABLE: { [T in keyof Database]: { [C in keyof Database[T]]: true } } = {
  server_meta: { singleton: true, epoch: true, prelogin_secret: true, created_at: true },
  users: {
    id: true,
    email: true,
    auth_key_hash: true,
    recovery_auth_key_hash: true,
    email_verified: true,
    email_verified_at: true,
    mfa_enabled: true,
    mfa_secret_encrypted: true,
    failed_login_attempts: true,
    locked_until: true,
    last_login_at: true,
    password_changed_at: true,
    blocked: true,
    membership_seq: true,
    created_at: true,
    updated_at: true,
  },
  vaults: {
    id: true,
    user_id: true,
    wrapped_key: true,
    salt: true,
    kdf_params: true,
    recovery_wrapped_key: true,
    wrapped_identity_keys: true,
    identity_bundle: true,
    enabled_at: true,
    device_fingerprint: true,
    created_at: true,
    updated_at: true,
  },
  sessions: {
    id: true,
    user_id: true,
    device_name: true,
    device_fingerprint: true,
    ip_address: true,
    user_agent: true,
    created_at: true,
    last_seen_at: true,
    expires_at: true,
    revoked_at: true,
    revoked_reason: true,
  },
  access_tokens: { token_hash: true, session_id: true, user_id: true, created_at: true, expires_at: true },
  refresh_tokens: {
    token_hash: true,
    session_id: true,
    user_id: true,
    created_at: true,
    expires_at: true,
    rotated_at: true,
    revoked: true,
    revoked_at: true,
  },
  recovery_tokens: { token_hash: true, user_id: true, created_at: true, expires_at: true, used_at: true },
  collections: {
    id: true,
    owner_id: true,
    seq: true,
    purge_floor_seq: true,
    created_at: true,
    updated_at: true,
  },
  memberships: {
    collection_id: true,
    user_id: true,
    role: true,
    key_epoch: true,
    encrypted_key: true,
    seq: true,
    removed_at: true,
    created_at: true,
    updated_at: true,
  },
  records: {
    collection_id: true,
    record_id: true,
    version: true,
    deleted: true,
    ciphertext: true,
    size: true,
    seq: true,
    blob_ids: true,
    last_op_id: true,
    created_at: true,
    updated_at: true,
    deleted_at: true,
  },
  applied_ops: {
    collection_id: true,
    op_id: true,
    record_id: true,
    version: true,
    seq: true,
    applied_at: true,
  },
  schema_migrations: { version: true, name: true, applied_at: true },
};

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

async function columnsOf(table: string): Promise<string[]> {
  const { rows } = await sql<{ column_name: string }>`
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ${table}`.execute(database.db);
  return rows.map((r) => r.column_name).sort();
}

async function indexDefinitions(): Promise<string[]> {
  const { rows } = await sql<{ indexdef: string }>`
    SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'`.execute(database.db);
  return rows.map((r) => r.indexdef.replace(/ USING btree/, '').replace(/public\./g, ''));
}

describe('schema', () => {
  it('has exactly the tables and columns schema.ts declares', async () => {
    for (const [table, columns] of Object.entries(COLUMNS_BY_TABLE)) {
      expect(await columnsOf(table), table).toEqual(Object.keys(columns).sort());
    }
  });

  it('has the indexes the queries need', async () => {
    const indexes = await indexDefinitions();
    for (const expected of [
      'UNIQUE INDEX records_collection_id_seq_idx ON records (collection_id, seq)',
      'INDEX memberships_user_id_seq_idx ON memberships (user_id, seq)',
      'INDEX sessions_user_id_idx ON sessions (user_id)',
      'INDEX access_tokens_session_id_idx ON access_tokens (session_id)',
      'INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id)',
      'INDEX collections_owner_id_idx ON collections (owner_id)',
      'UNIQUE INDEX users_email_key ON users (email)',
      'UNIQUE INDEX applied_ops_pkey ON applied_ops (collection_id, op_id)',
    ]) {
      expect(
        indexes.some((def) => def.endsWith(expected)),
        expected,
      ).toBe(true);
    }
  });

  it('declares every foreign key with ON DELETE CASCADE', async () => {
    const { rows } = await sql<{ child: string; parent: string; cascades: boolean }>`
      SELECT cl.relname AS child, pc.relname AS parent, co.confdeltype = 'c' AS cascades
      FROM pg_constraint co
      JOIN pg_class cl ON cl.oid = co.conrelid
      JOIN pg_class pc ON pc.oid = co.confrelid
      JOIN pg_namespace ns ON ns.oid = cl.relnamespace
      WHERE co.contype = 'f' AND ns.nspname = 'public'`.execute(database.db);
    const edges = rows.map((r) => `${r.child} -> ${r.parent}${r.cascades ? ' (cascade)' : ''}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'vaults -> users (cascade)',
        'sessions -> users (cascade)',
        'access_tokens -> sessions (cascade)',
        'access_tokens -> users (cascade)',
        'refresh_tokens -> sessions (cascade)',
        'refresh_tokens -> users (cascade)',
        'recovery_tokens -> users (cascade)',
        'collections -> users (cascade)',
        'memberships -> collections (cascade)',
        'memberships -> users (cascade)',
        'records -> collections (cascade)',
        'applied_ops -> collections (cascade)',
      ]),
    );
  });

  it('refuses rows that point at nothing', async () => {
    await expect(
      database.db.insertInto('sessions').values({ user_id: randomUUID(), expires_at: new Date() }).execute(),
    ).rejects.toThrow(/foreign key/);
    await expect(
      database.db
        .insertInto('records')
        .values({
          collection_id: randomUUID(),
          record_id: randomUUID(),
          version: 1,
          ciphertext: randomBytes(4),
          seq: 1,
        })
        .execute(),
    ).rejects.toThrow(/foreign key/);
  });

  it('refuses a tombstone with ciphertext and a live record without', async () => {
    const { collectionId } = await seedUserWithEverything();
    const base = { collection_id: collectionId, version: 1, seq: 100 };
    await expect(
      database.db
        .insertInto('records')
        .values({ ...base, record_id: randomUUID(), deleted: true, ciphertext: randomBytes(4) })
        .execute(),
    ).rejects.toThrow(/check constraint/);
    await expect(
      database.db
        .insertInto('records')
        .values({ ...base, record_id: randomUUID(), deleted: false, ciphertext: null })
        .execute(),
    ).rejects.toThrow(/check constraint/);
  });

  it('deleting a user removes their vault, sessions, tokens, collections, memberships, records and op ids', async () => {
    const { userId } = await seedUserWithEverything();
    const count = async (table: keyof Database, column: string, value: string) => {
      const row = await database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        // biome-ignore lint/suspicious/noExplicitAny: one helper over several tables.
        .where(column as any, '=', value)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    const owned = async () => ({
      vaults: await count('vaults', 'user_id', userId),
      sessions: await count('sessions', 'user_id', userId),
      accessTokens: await count('access_tokens', 'user_id', userId),
      refreshTokens: await count('refresh_tokens', 'user_id', userId),
      collections: await count('collections', 'owner_id', userId),
      memberships: await count('memberships', 'user_id', userId),
    });
    const collectionIds = (
      await database.db.selectFrom('collections').select('id').where('owner_id', '=', userId).execute()
    ).map((c) => c.id);
    const inCollections = async (table: 'records' | 'applied_ops') =>
      Number(
        (
          await database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('collection_id', 'in', collectionIds)
            .executeTakeFirstOrThrow()
        ).n,
      );

    expect(await owned()).toEqual({
      vaults: 1,
      sessions: 1,
      accessTokens: 1,
      refreshTokens: 1,
      collections: 1,
      memberships: 1,
    });
    expect(await inCollections('records')).toBe(1);
    expect(await inCollections('applied_ops')).toBe(1);

    await database.db.deleteFrom('users').where('id', '=', userId).execute();

    expect(await owned()).toEqual({
      vaults: 0,
      sessions: 0,
      accessTokens: 0,
      refreshTokens: 0,
      collections: 0,
      memberships: 0,
    });
    expect(await inCollections('records')).toBe(0);
    expect(await inCollections('applied_ops')).toBe(0);
  });
});

async function seedUserWithEverything(): Promise<{ userId: string; collectionId: string }> {
  const db = database.db;
  const user = await db
    .insertInto('users')
    .values({ email: `${randomUUID()}@example.test`, auth_key_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('vaults')
    .values({
      user_id: user.id,
      wrapped_key: randomBytes(8),
      salt: randomBytes(16),
      kdf_params: JSON.stringify({ algorithm: 'pbkdf2-sha256', iterations: 600_000 }),
      recovery_wrapped_key: randomBytes(8),
      wrapped_identity_keys: randomBytes(8),
      identity_bundle: JSON.stringify({ version: 1 }),
    })
    .execute();
  const session = await db
    .insertInto('sessions')
    .values({ user_id: user.id, expires_at: new Date(Date.now() + 60_000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = { session_id: session.id, user_id: user.id, expires_at: new Date(Date.now() + 60_000) };
  await db
    .insertInto('access_tokens')
    .values({ ...token, token_hash: randomBytes(32) })
    .execute();
  await db
    .insertInto('refresh_tokens')
    .values({ ...token, token_hash: randomBytes(32) })
    .execute();
  const collectionId = randomUUID();
  await db.insertInto('collections').values({ id: collectionId, owner_id: user.id, seq: 1 }).execute();
  await db
    .insertInto('memberships')
    .values({
      collection_id: collectionId,
      user_id: user.id,
      role: 'owner',
      key_epoch: 1,
      encrypted_key: randomBytes(48),
      seq: 1,
    })
    .execute();
  const recordId = randomUUID();
  await db
    .insertInto('records')
    .values({
      collection_id: collectionId,
      record_id: recordId,
      version: 1,
      ciphertext: randomBytes(64),
      seq: 1,
    })
    .execute();
  await db
    .insertInto('applied_ops')
    .values({ collection_id: collectionId, op_id: randomUUID(), record_id: recordId, version: 1, seq: 1 })
    .execute();
  return { userId: user.id, collectionId };
}
