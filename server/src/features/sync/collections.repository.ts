/**
 * @module SQL for collections and memberships. A user's `membership_seq` is the cursor of "collections changed
 * since": bumped under the user row's lock by every membership change, so like record seqs it never skips one.
 */
import type { Membership, Role } from '@halyon/protocol';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema';
import { base64Of, epochMsOf, timestampParam, toNumber } from './db-edge';
import { SYNC_CHANNEL } from './poke-hub';
import type { Db } from './records.repository';

interface MembershipRow {
  collection_id: string;
  owner_id: string;
  role: Role;
  key_epoch: number;
  encrypted_key: string;
  seq: number | string;
  created_at_ms: number;
  removed: boolean;
}

const membershipColumns = sql`m.collection_id, c.owner_id, m.role, m.key_epoch,
  ${base64Of(sql`m.encrypted_key`)} as encrypted_key, c.seq,
  ${epochMsOf(sql`m.created_at`)} as created_at_ms, m.removed_at is not null as removed`;

function rowToMembership(row: MembershipRow): Membership {
  return {
    collectionId: row.collection_id,
    ownerId: row.owner_id,
    role: row.role,
    keyEpoch: row.key_epoch,
    encryptedKey: row.encrypted_key,
    seq: toNumber(row.seq),
    createdAt: row.created_at_ms,
  };
}

/** Inserts the collection if the id is free; answers who owns the id now. */
export async function insertCollectionIfAbsent(
  trx: Transaction<Database>,
  args: { readonly id: string; readonly ownerId: string; readonly nowMs: number },
): Promise<{ readonly created: boolean; readonly ownerId: string }> {
  const now = timestampParam(args.nowMs);
  const inserted = await sql<{ id: string }>`
    insert into collections (id, owner_id, created_at, updated_at)
    values (${args.id}, ${args.ownerId}, ${now}, ${now})
    on conflict (id) do nothing
    returning id`.execute(trx);
  if (inserted.rows.length > 0) return { created: true, ownerId: args.ownerId };
  const existing = await sql<{ owner_id: string }>`
    select owner_id from collections where id = ${args.id}`.execute(trx);
  return { created: false, ownerId: existing.rows[0]!.owner_id };
}

/**
 * Adds a membership under the user's next membership_seq and queues a `collections` notification (sent on
 * commit) so the user's live streams list collections again.
 */
export async function insertMembership(
  trx: Transaction<Database>,
  args: {
    readonly collectionId: string;
    readonly userId: string;
    readonly role: Role;
    readonly keyEpoch: number;
    readonly encryptedKeyB64: string;
    readonly nowMs: number;
  },
): Promise<void> {
  const now = timestampParam(args.nowMs);
  await sql`
    with bumped as (
      update users set membership_seq = membership_seq + 1 where id = ${args.userId}
      returning id, membership_seq
    ),
    added as (
      insert into memberships (collection_id, user_id, role, key_epoch, encrypted_key, seq, created_at, updated_at)
      select ${args.collectionId}, b.id, ${args.role}, ${args.keyEpoch}, decode(${args.encryptedKeyB64}, 'base64'),
             b.membership_seq, ${now}, ${now}
      from bumped b
      returning 1
    )
    select pg_notify(${SYNC_CHANNEL},
      json_build_object('type', 'collections', 'userId', b.id, 'cursor', b.membership_seq)::text)
    from bumped b`.execute(trx);
}

/** The caller's live membership of one collection, if any. */
export async function readMembership(
  db: Db,
  userId: string,
  collectionId: string,
): Promise<Membership | undefined> {
  const result = await sql<MembershipRow>`
    select ${membershipColumns}
    from memberships m join collections c on c.id = m.collection_id
    where m.user_id = ${userId} and m.collection_id = ${collectionId} and m.removed_at is null`.execute(db);
  const row = result.rows[0];
  return row === undefined ? undefined : rowToMembership(row);
}

export interface MembershipChanges {
  readonly cursor: number;
  readonly upserted: readonly Membership[];
  readonly removed: readonly string[];
}

/** Memberships changed after `since`, and the cursor to use next time, read in one snapshot. */
export async function readMembershipChanges(
  db: Db,
  userId: string,
  since: number,
): Promise<MembershipChanges> {
  const result = await sql<MembershipRow & { cursor: number | string }>`
    with me as (select membership_seq from users where id = ${userId})
    select ${membershipColumns}, me.membership_seq as cursor
    from me
    left join memberships m on m.user_id = ${userId} and m.seq > ${since}
    left join collections c on c.id = m.collection_id
    order by m.seq`.execute(db);
  const rows = result.rows.filter((row) => row.collection_id !== null);
  return {
    cursor: toNumber(result.rows[0]?.cursor ?? 0),
    upserted: rows.filter((row) => !row.removed).map(rowToMembership),
    removed: rows.filter((row) => row.removed).map((row) => row.collection_id),
  };
}

/** Ids of every collection the user can read: what a live stream listens for. */
export async function readMemberCollectionIds(db: Db, userId: string): Promise<string[]> {
  const result = await sql<{ collection_id: string }>`
    select collection_id from memberships where user_id = ${userId} and removed_at is null`.execute(db);
  return result.rows.map((row) => row.collection_id);
}
