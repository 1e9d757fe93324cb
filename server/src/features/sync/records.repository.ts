/**
 * @module SQL for records, applied ops and collection seqs: the statements push, pull, reconcile and the purge
 * job are made of. Every function takes `db | trx` first and does one round trip.
 * See: [Note: Ciphertext crosses the db edge as base64], [Note: Seq is gap-free].
 */
import type { Role, WireRecord } from '@halyon/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema';
import { base64Of, epochMsOf, jsonParam, timestampParam, toNumber } from './db-edge';
import { SYNC_CHANNEL } from './poke-hub';
import type { AppliedOp, AppliedOpWrite, CollectionAccess, RecordWrite, StoredVersion } from './push-plan';
import { opKey, recordKey } from './push-plan';

export type Db = Kysely<Database> | Transaction<Database>;

interface WireRecordRow {
  collection_id: string;
  record_id: string;
  version: number;
  seq: number | string;
  deleted: boolean;
  ciphertext: string | null;
  blob_ids: string[];
  updated_at_ms: number;
}

const wireRecordColumns = sql`r.collection_id, r.record_id, r.version, r.seq, r.deleted,
  ${base64Of(sql`r.ciphertext`)} as ciphertext, to_json(r.blob_ids) as blob_ids,
  ${epochMsOf(sql`r.updated_at`)} as updated_at_ms`;

function rowToWireRecord(row: WireRecordRow): WireRecord {
  return {
    collectionId: row.collection_id,
    recordId: row.record_id,
    version: row.version,
    seq: toNumber(row.seq),
    deleted: row.deleted,
    ciphertext: row.ciphertext,
    blobIds: row.blob_ids,
    updatedAt: row.updated_at_ms,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Push

/*
 * [Note: Locking and reading in one statement]
 * A push must read record versions only once it holds its collections' locks, or a write that committed while
 * it waited would be missed. Taking the lock and reading the versions in ONE statement saves a round trip, but
 * in READ COMMITTED that statement reads with the snapshot it started with: after waiting for a lock,
 * PostgreSQL hands back the newest version of the locked row, yet every other table still shows the old
 * snapshot. So the statement also reads each collection row as its snapshot saw it. Every write to a
 * collection's records (push) bumps its seq and every purge raises its purge floor, both under this lock; if
 * the locked row and the snapshot's row agree on both, nothing committed in between and the versions read are
 * current. If not (someone else held the lock first), the versions are read again, now after the lock.
 */

export interface LockedPushState {
  /** Collections the caller is a member of; those they may write are now locked. */
  readonly accessById: Map<string, CollectionAccess>;
  /** Current versions of the referenced records in the collections the caller may write. */
  readonly storedByKey: Map<string, StoredVersion>;
}

/**
 * Locks the collections the caller may write (FOR UPDATE, in id order so two pushes never deadlock; held until
 * the transaction ends: that lock is what makes seq gap-free) and reads the versions of `refs`.
 * See: [Note: Locking and reading in one statement]
 */
export async function lockCollectionsAndReadVersions(
  trx: Transaction<Database>,
  userId: string,
  collectionIds: readonly string[],
  refs: readonly RecordRef[],
): Promise<LockedPushState> {
  const ids = [...collectionIds].sort();
  const result = await sql<{
    kind: 'collection' | 'record';
    id: string;
    record_id: string | null;
    role: Role | null;
    seq: number | string | null;
    in_snapshot: boolean | null;
    version: number | null;
    deleted: boolean | null;
  }>`
    with locked as materialized (
      select c.id, c.seq, c.purge_floor_seq, m.role
      from collections c
      join memberships m on m.collection_id = c.id and m.user_id = ${userId} and m.removed_at is null
      where c.id in (select value::uuid from json_array_elements_text(${jsonParam(ids)}))
        and m.role in ('owner', 'writer')
      order by c.id
      for update of c
    )
    select 'collection' as kind, l.id, null::uuid as record_id, l.role, l.seq,
           (s.seq = l.seq and s.purge_floor_seq = l.purge_floor_seq) as in_snapshot,
           null::integer as version, null::boolean as deleted
    from locked l join collections s on s.id = l.id
    union all
    select 'record', r.collection_id, r.record_id, null, null, null, r.version, r.deleted
    from json_to_recordset(${jsonParam(refs)}) as k("collectionId" uuid, "recordId" uuid)
    cross join lateral (
      select * from records where collection_id = k."collectionId" and record_id = k."recordId"
    ) r`.execute(trx);

  const accessById = new Map<string, CollectionAccess>();
  let stale = false;
  for (const row of result.rows) {
    if (row.kind !== 'collection') continue;
    accessById.set(row.id, { role: row.role!, seq: toNumber(row.seq!) });
    if (!row.in_snapshot) stale = true;
  }
  const writableRefs = refs.filter((ref) => accessById.has(ref.collectionId));
  const storedByKey = stale
    ? await readStoredVersions(trx, writableRefs)
    : new Map(
        result.rows
          .filter((row) => row.kind === 'record' && accessById.has(row.id))
          .map((row) => [
            recordKey(row.id, row.record_id!),
            { version: row.version!, deleted: row.deleted! },
          ]),
      );

  if (accessById.size < ids.length) {
    // Rare: some are unknown, foreign, or read-only. Readers are told `forbidden`, the rest `collection_not_found`.
    const others = await sql<{ id: string; role: Role }>`
      select m.collection_id as id, m.role from memberships m
      where m.user_id = ${userId} and m.removed_at is null
        and m.collection_id in (select value::uuid from json_array_elements_text(${jsonParam(ids)}))`.execute(
      trx,
    );
    for (const row of others.rows) {
      if (!accessById.has(row.id)) accessById.set(row.id, { role: row.role, seq: 0 });
    }
  }
  return { accessById, storedByKey };
}

export interface RecordRef {
  readonly collectionId: string;
  readonly recordId: string;
}

// Lookups by key go through LATERAL so PostgreSQL probes the primary key once per key: a plain join against a
// json_to_recordset (estimated at 100 rows) may be planned as a hash join over a sequential scan of the table.

export async function readStoredVersions(
  db: Db,
  refs: readonly RecordRef[],
): Promise<Map<string, StoredVersion>> {
  if (refs.length === 0) return new Map();
  const result = await sql<{ collection_id: string; record_id: string; version: number; deleted: boolean }>`
    select r.collection_id, r.record_id, r.version, r.deleted
    from json_to_recordset(${jsonParam(refs)}) as k("collectionId" uuid, "recordId" uuid)
    cross join lateral (
      select * from records where collection_id = k."collectionId" and record_id = k."recordId"
    ) r`.execute(db);
  return new Map(
    result.rows.map((row) => [
      recordKey(row.collection_id, row.record_id),
      { version: row.version, deleted: row.deleted },
    ]),
  );
}

export async function readAppliedOps(
  db: Db,
  refs: readonly { readonly collectionId: string; readonly opId: string }[],
): Promise<Map<string, AppliedOp>> {
  if (refs.length === 0) return new Map();
  const result = await sql<{
    collection_id: string;
    op_id: string;
    record_id: string;
    version: number;
    seq: number | string;
  }>`
    select a.collection_id, a.op_id, a.record_id, a.version, a.seq
    from json_to_recordset(${jsonParam(refs)}) as k("collectionId" uuid, "opId" uuid)
    cross join lateral (
      select * from applied_ops where collection_id = k."collectionId" and op_id = k."opId"
    ) a`.execute(db);
  return new Map(
    result.rows.map((row) => [
      opKey(row.collection_id, row.op_id),
      { recordId: row.record_id, version: row.version, seq: toNumber(row.seq) },
    ]),
  );
}

/** Full records (ciphertext included), e.g. the current side of conflicts. */
export async function readRecords(db: Db, refs: readonly RecordRef[]): Promise<Map<string, WireRecord>> {
  if (refs.length === 0) return new Map();
  const result = await sql<WireRecordRow>`
    select ${wireRecordColumns}
    from json_to_recordset(${jsonParam(refs)}) as k("collectionId" uuid, "recordId" uuid)
    cross join lateral (
      select * from records where collection_id = k."collectionId" and record_id = k."recordId"
    ) r`.execute(db);
  return new Map(
    result.rows.map((row) => [recordKey(row.collection_id, row.record_id), rowToWireRecord(row)]),
  );
}

export interface PushWrites {
  readonly recordWrites: readonly RecordWrite[];
  readonly appliedOps: readonly AppliedOpWrite[];
  readonly seqByCollection: ReadonlyMap<string, number>;
  readonly nowMs: number;
}

/**
 * Writes a decided push in ONE statement: upserts the records, remembers the op ids, advances each collection's
 * seq and queues a poke per collection. NOTIFY is transactional, so the pokes leave only when the push commits.
 */
export async function writePush(trx: Transaction<Database>, writes: PushWrites): Promise<void> {
  const records = writes.recordWrites.map((w) => ({
    c: w.record.collectionId,
    r: w.record.recordId,
    v: w.record.version,
    s: w.record.seq,
    d: w.record.deleted,
    b64: w.record.ciphertext,
    n: w.size,
    blobs: w.record.blobIds,
    op: w.opId,
  }));
  const ops = writes.appliedOps.map((a) => ({
    c: a.collectionId,
    op: a.opId,
    r: a.recordId,
    v: a.version,
    s: a.seq,
  }));
  const seqs = [...writes.seqByCollection].map(([c, s]) => ({ c, s }));
  const now = timestampParam(writes.nowMs);
  await sql`
    with written as (
      insert into records as r
        (collection_id, record_id, version, deleted, ciphertext, size, seq, blob_ids, last_op_id,
         created_at, updated_at, deleted_at)
      select x.c, x.r, x.v, x.d, decode(x.b64, 'base64'), x.n, x.s, x.blobs, x.op,
             ${now}, ${now}, case when x.d then ${now} end
      from json_to_recordset(${jsonParam(records)})
        as x(c uuid, r uuid, v integer, d boolean, b64 text, n integer, s bigint, blobs uuid[], op uuid)
      on conflict (collection_id, record_id) do update set
        version = excluded.version, deleted = excluded.deleted, ciphertext = excluded.ciphertext,
        size = excluded.size, seq = excluded.seq, blob_ids = excluded.blob_ids, last_op_id = excluded.last_op_id,
        updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
      returning 1
    ),
    remembered as (
      insert into applied_ops (collection_id, op_id, record_id, version, seq, applied_at)
      select x.c, x.op, x.r, x.v, x.s, ${now}
      from json_to_recordset(${jsonParam(ops)}) as x(c uuid, op uuid, r uuid, v integer, s bigint)
      returning 1
    ),
    advanced as (
      update collections c set seq = x.s, updated_at = ${now}
      from json_to_recordset(${jsonParam(seqs)}) as x(c uuid, s bigint)
      where c.id = x.c
      returning c.id, c.seq
    )
    select pg_notify(${SYNC_CHANNEL}, json_build_object('type', 'poke', 'collectionId', a.id, 'seq', a.seq)::text)
    from advanced a`.execute(trx);
}

// ---------------------------------------------------------------------------------------------------------------
// Pull and reconcile

export interface ReadableCollection {
  readonly id: string;
  readonly seq: number;
  readonly purgeFloorSeq: number;
}

/** The collections among `collectionIds` the caller may read (any role). */
export async function readReadableCollections(
  db: Db,
  userId: string,
  collectionIds: readonly string[],
): Promise<Map<string, ReadableCollection>> {
  if (collectionIds.length === 0) return new Map();
  const result = await sql<{ id: string; seq: number | string; purge_floor_seq: number | string }>`
    select c.id, c.seq, c.purge_floor_seq
    from collections c
    join memberships m on m.collection_id = c.id and m.user_id = ${userId} and m.removed_at is null
    where c.id in (select value::uuid from json_array_elements_text(${jsonParam(collectionIds)}))`.execute(
    db,
  );
  return new Map(
    result.rows.map((row) => [
      row.id,
      { id: row.id, seq: toNumber(row.seq), purgeFloorSeq: toNumber(row.purge_floor_seq) },
    ]),
  );
}

export interface ChangesPage {
  readonly records: readonly WireRecord[];
  /** True when no record with a higher seq was left out. */
  readonly complete: boolean;
  /** The collection's seq and purge floor, read in the same snapshot as the records. */
  readonly collectionSeq: number;
  readonly purgeFloorSeq: number;
}

/**
 * Records and tombstones of one collection with seq > afterSeq, in seq order: at most `limit`, and no more
 * ciphertext bytes than `maxBytes`, except that the first record of a page is always given (`mayExceedBytes`)
 * so one large record can never stall a client. One statement, so the records, the collection's seq and its
 * purge floor come from one snapshot. Undefined when the caller is not (or no longer) a member.
 */
export async function readChangesPage(
  db: Db,
  args: {
    readonly userId: string;
    readonly collectionId: string;
    readonly afterSeq: number;
    readonly limit: number;
    readonly maxBytes: number;
    readonly mayExceedBytes: boolean;
  },
): Promise<ChangesPage | undefined> {
  // [Note: The pull page query] The page is cut on narrow rows first (seq and size of at most limit + 1 records,
  // through the (collection_id, seq) index), then the records up to the cut are read through the same index, in
  // seq order. Summing over whole rows made the window functions spool every ciphertext (to disk past work_mem),
  // and a final ORDER BY over the base64 text sorted megabytes again: ~0.4-1 s per 5,000-record page where this
  // takes ~0.05-0.08 s (EXPLAIN ANALYZE, PostgreSQL 15, 100k records). The cut is a prefix in seq order (the
  // running sum only grows, and `running = size` holds only while every earlier record was empty), so a seq range
  // reads exactly the rows the filter kept. No ORDER BY on the outer query: the rows are sorted here.
  const result = await sql<
    Partial<WireRecordRow> & {
      fetched: number | string | null;
      collection_seq: number | string;
      purge_floor_seq: number | string;
    }
  >`
    with head as (
      select c.id, c.seq, c.purge_floor_seq
      from collections c
      join memberships m on m.collection_id = c.id and m.user_id = ${args.userId} and m.removed_at is null
      where c.id = ${args.collectionId}
    ), cut as (
      select max(k.seq) as last_seq, max(k.fetched) as fetched
      from (
        select w.seq, w.fetched
        from (
          select l.seq, l.size, sum(l.size) over (order by l.seq) as running, count(*) over () as fetched
          from (
            select seq, size from records
            where collection_id = (select id from head) and seq > ${args.afterSeq}
            order by seq
            limit ${args.limit + 1}
          ) l
        ) w
        where w.running <= ${args.maxBytes} or (w.running = w.size and ${args.mayExceedBytes})
        order by w.seq
        limit ${args.limit}
      ) k
    )
    select h.seq as collection_seq, h.purge_floor_seq, cut.fetched, p.*
    from head h
    cross join cut
    left join lateral (
      select ${wireRecordColumns}
      from records r
      where r.collection_id = h.id and r.seq > ${args.afterSeq} and r.seq <= cut.last_seq
      order by r.seq
    ) p on true`.execute(db);
  const first = result.rows[0];
  if (first === undefined) return undefined;
  const rows = result.rows.filter((row) => row.record_id != null) as (WireRecordRow & { fetched: number })[];
  // No row at all means nothing was there, unless the page was already full of bytes (then the next page reads it).
  const fetched = rows.length === 0 ? (args.mayExceedBytes ? 0 : 1) : toNumber(rows[0]!.fetched);
  return {
    // Already in seq order in practice (see above), which the sort only confirms in one pass.
    records: rows.map(rowToWireRecord).sort((a, b) => a.seq - b.seq),
    complete: rows.length === fetched,
    collectionSeq: toNumber(first.collection_seq),
    purgeFloorSeq: toNumber(first.purge_floor_seq),
  };
}

export interface RecordVersion {
  readonly recordId: string;
  readonly version: number;
  readonly size: number;
}

/** (recordId, version) of the collection's records (tombstones included) in the id range (after, until]. */
export async function scanRecordVersions(
  db: Db,
  args: {
    readonly collectionId: string;
    readonly after: string | null;
    readonly until: string | null;
    readonly limit: number;
  },
): Promise<RecordVersion[]> {
  const result = await sql<{ record_id: string; version: number; size: number }>`
    select record_id, version, size from records
    where collection_id = ${args.collectionId}
      and (${args.after}::uuid is null or record_id > ${args.after}::uuid)
      and (${args.until}::uuid is null or record_id <= ${args.until}::uuid)
    order by record_id
    limit ${args.limit}`.execute(db);
  return result.rows.map((row) => ({ recordId: row.record_id, version: row.version, size: row.size }));
}

/** Records of one collection by id, in id order. */
export async function readRecordsById(
  db: Db,
  collectionId: string,
  recordIds: readonly string[],
): Promise<WireRecord[]> {
  if (recordIds.length === 0) return [];
  const result = await sql<WireRecordRow>`
    select ${wireRecordColumns}
    from records r
    where r.collection_id = ${collectionId}
      and r.record_id in (select value::uuid from json_array_elements_text(${jsonParam(recordIds)}))
    order by r.record_id`.execute(db);
  return result.rows.map(rowToWireRecord);
}

// ---------------------------------------------------------------------------------------------------------------
// Purge

/** Collections holding tombstones deleted before the cutoff. */
export async function collectionsWithExpiredTombstones(db: Db, cutoffMs: number): Promise<string[]> {
  const result = await sql<{ collection_id: string }>`
    select distinct collection_id from records
    where deleted and deleted_at < ${timestampParam(cutoffMs)}
    order by collection_id`.execute(db);
  return result.rows.map((row) => row.collection_id);
}

/**
 * Deletes one collection's tombstones older than the cutoff and raises its purge floor to the highest purged
 * seq. The collection row is locked first, as a push locks it, so purge and push never deadlock.
 */
export async function purgeTombstones(
  trx: Transaction<Database>,
  collectionId: string,
  cutoffMs: number,
): Promise<number> {
  await sql`select id from collections where id = ${collectionId} for update`.execute(trx);
  const result = await sql<{ purged: number }>`
    with purged as (
      delete from records
      where collection_id = ${collectionId} and deleted and deleted_at < ${timestampParam(cutoffMs)}
      returning seq
    ),
    raised as (
      update collections set purge_floor_seq = greatest(purge_floor_seq, (select max(seq) from purged))
      where id = ${collectionId} and exists (select 1 from purged)
      returning 1
    )
    select count(*)::int as purged from purged`.execute(trx);
  return result.rows[0]?.purged ?? 0;
}

/** Forgets applied op ids older than the cutoff; a retry after that is judged on versions alone. */
export async function pruneAppliedOps(db: Db, cutoffMs: number): Promise<number> {
  const result = await sql`delete from applied_ops where applied_at < ${timestampParam(cutoffMs)}`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0n);
}
