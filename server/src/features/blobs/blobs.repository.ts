/**
 * @module SQL for blobs, quotas and users' bucket configs. Functions take `db | trx` first; the ones that must run
 * inside the caller's transaction say so. `checkBlobRefs` is the sync push's view of blobs (see server-seams).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema';
import { type BlobStateColumn, type Db, withBlobTables } from './blobs.schema';

/** A timestamptz parameter from the injected clock's milliseconds (as text: the same on both drivers). */
function timestampParam(ms: number) {
  return sql<Date>`${new Date(ms).toISOString()}::timestamptz`;
}

export type BlobRefStatus = 'ok' | 'blob_not_found' | 'blob_not_committed';

/**
 * The status of each referenced blob for a record push by `userId`: 'ok' only for the pusher's own committed blobs;
 * someone else's blob is reported as not found. Call it inside the push transaction: it takes a share lock on the
 * blob rows, so the GC cannot delete a blob between this check and the record that refers to it being committed.
 * See: [Note: Blob GC]
 */
export async function checkBlobRefs(
  db: Kysely<Database> | Transaction<Database>,
  userId: string,
  blobIds: readonly string[],
): Promise<ReadonlyMap<string, BlobRefStatus>> {
  const statusById = new Map<string, BlobRefStatus>(blobIds.map((id) => [id, 'blob_not_found']));
  if (blobIds.length === 0) return statusById;
  const { rows } = await sql<{ id: string; owner_id: string; state: BlobStateColumn }>`
    select id, owner_id, state from blobs
    where id in (select value::uuid from json_array_elements_text(${JSON.stringify([...new Set(blobIds)])}::json))
    order by id
    for share`.execute(db);
  for (const row of rows) {
    if (row.owner_id !== userId) continue;
    statusById.set(row.id, row.state === 'committed' ? 'ok' : 'blob_not_committed');
  }
  return statusById;
}

export type BlobRow = {
  readonly id: string;
  readonly owner_id: string;
  readonly size: number;
  readonly state: BlobStateColumn;
  readonly storage_config_id: string | null;
  readonly storage_key: string;
  readonly multipart_upload_id: string | null;
  readonly created_at: Date;
  readonly committed_at: Date | null;
};

const blobColumns = [
  'id',
  'owner_id',
  'size',
  'state',
  'storage_config_id',
  'storage_key',
  'multipart_upload_id',
  'created_at',
  'committed_at',
] as const;

export async function findBlob(db: Db, id: string): Promise<BlobRow | undefined> {
  return withBlobTables(db).selectFrom('blobs').select(blobColumns).where('id', '=', id).executeTakeFirst();
}

export async function findBlobForUpdate(
  trx: Transaction<Database>,
  id: string,
): Promise<BlobRow | undefined> {
  return withBlobTables(trx)
    .selectFrom('blobs')
    .select(blobColumns)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

const selectBlobs = (db: Db, ids: readonly string[]) =>
  withBlobTables(db)
    .selectFrom('blobs')
    .select(blobColumns)
    .where('id', 'in', [...new Set(ids)]);

const byId = (rows: readonly BlobRow[]) => new Map(rows.map((row) => [row.id, row]));

/** The rows of those of `ids` that exist, by id: one query for a photo's blobs. */
export async function findBlobs(db: Db, ids: readonly string[]): Promise<Map<string, BlobRow>> {
  if (ids.length === 0) return new Map();
  return byId(await selectBlobs(db, ids).execute());
}

/** findBlobs with the rows locked, in id order (so two batches lock common rows in the same order). */
export async function findBlobsForUpdate(
  trx: Transaction<Database>,
  ids: readonly string[],
): Promise<Map<string, BlobRow>> {
  if (ids.length === 0) return new Map();
  return byId(await selectBlobs(trx, ids).orderBy('id').forUpdate().execute());
}

/**
 * A committed blob `userId` may read: their own, or one a live record refers to in a collection they are a
 * (current) member of.
 */
export async function findReadableBlob(db: Db, userId: string, id: string): Promise<BlobRow | undefined> {
  const { rows } = await sql<BlobRow>`
    select ${sql.join(blobColumns.map((c) => sql.ref(`b.${c}`)))} from blobs b
    where b.id = ${id} and b.state = 'committed'
      and (b.owner_id = ${userId} or exists (
        select 1 from records r
        join memberships m on m.collection_id = r.collection_id and m.user_id = ${userId} and m.removed_at is null
        where r.blob_ids @> array[${id}::uuid] and not r.deleted))`.execute(db);
  return rows[0];
}

export type NewBlob = {
  readonly id: string;
  readonly ownerId: string;
  readonly size: number;
  readonly storageConfigId: string | null;
  readonly storageKey: string;
  readonly nowMs: number;
};

/** Inserts the reservations whose ids are not taken, in one statement; answers the ids it inserted. */
export async function insertBlobsIfAbsent(
  trx: Transaction<Database>,
  blobs: readonly NewBlob[],
): Promise<Set<string>> {
  if (blobs.length === 0) return new Set();
  const inserted = await withBlobTables(trx)
    .insertInto('blobs')
    .values(
      blobs.map((blob) => ({
        id: blob.id,
        owner_id: blob.ownerId,
        size: blob.size,
        storage_config_id: blob.storageConfigId,
        storage_key: blob.storageKey,
        created_at: new Date(blob.nowMs).toISOString(),
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute();
  return new Set(inserted.map((row) => row.id));
}

/** Records the multipart upload of a reservation, unless one was recorded first; answers the one that holds. */
export async function claimMultipartUpload(db: Db, id: string, uploadId: string): Promise<string | null> {
  const blobs = withBlobTables(db);
  await blobs
    .updateTable('blobs')
    .set({ multipart_upload_id: uploadId })
    .where('id', '=', id)
    .where('state', '=', 'reserved')
    .where('multipart_upload_id', 'is', null)
    .execute();
  const row = await blobs
    .selectFrom('blobs')
    .select('multipart_upload_id')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.multipart_upload_id ?? null;
}

export async function forgetMultipartUpload(db: Db, id: string): Promise<void> {
  await withBlobTables(db)
    .updateTable('blobs')
    .set({ multipart_upload_id: null })
    .where('id', '=', id)
    .where('state', '=', 'reserved')
    .execute();
}

/**
 * Commits reservations (locked by the caller) in one statement; until a record refers to one, the blob counts as
 * unreferenced (see [Note: Blob GC]).
 */
export async function markCommittedMany(
  trx: Transaction<Database>,
  ids: readonly string[],
  nowMs: number,
): Promise<void> {
  if (ids.length === 0) return;
  const now = new Date(nowMs).toISOString();
  const { numUpdatedRows } = await withBlobTables(trx)
    .updateTable('blobs')
    .set({ state: 'committed', committed_at: now, unreferenced_since: now, multipart_upload_id: null })
    .where('id', 'in', [...new Set(ids)])
    .where('state', '=', 'reserved')
    .executeTakeFirstOrThrow();
  if (Number(numUpdatedRows) !== new Set(ids).size) throw new Error('a blob to commit was not reserved');
}

export async function deleteBlobRow(trx: Transaction<Database>, id: string): Promise<void> {
  await withBlobTables(trx).deleteFrom('blobs').where('id', '=', id).execute();
}

// ---------------------------------------------------------------------------------------------------------------
// Quota

export type QuotaRow = { readonly quotaBytes: number | null; readonly usedBytes: number };

/** The user's quota row, created if missing and locked until the transaction ends: quota decisions serialise here. */
export async function lockQuota(trx: Transaction<Database>, userId: string): Promise<QuotaRow> {
  const blobs = withBlobTables(trx);
  await blobs
    .insertInto('blob_quotas')
    .values({ user_id: userId })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  const row = await blobs
    .selectFrom('blob_quotas')
    .select(['quota_bytes', 'used_bytes'])
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return {
    quotaBytes: row.quota_bytes === null ? null : Number(row.quota_bytes),
    usedBytes: Number(row.used_bytes),
  };
}

export async function findQuota(db: Db, userId: string): Promise<QuotaRow> {
  const row = await withBlobTables(db)
    .selectFrom('blob_quotas')
    .select(['quota_bytes', 'used_bytes'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return {
    quotaBytes: row?.quota_bytes == null ? null : Number(row.quota_bytes),
    usedBytes: Number(row?.used_bytes ?? 0),
  };
}

export async function setQuota(db: Db, userId: string, quotaBytes: number | null): Promise<void> {
  await withBlobTables(db)
    .insertInto('blob_quotas')
    .values({ user_id: userId, quota_bytes: quotaBytes })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ quota_bytes: quotaBytes }))
    .execute();
}

export async function addUsedBytes(
  trx: Transaction<Database>,
  userId: string,
  deltaBytes: number,
): Promise<void> {
  await withBlobTables(trx)
    .updateTable('blob_quotas')
    .set((eb) => ({ used_bytes: eb('used_bytes', '+', deltaBytes) }))
    .where('user_id', '=', userId)
    .execute();
}

/** Bytes held by the user's open reservations. */
export async function reservedBytes(db: Db, userId: string): Promise<number> {
  const row = await withBlobTables(db)
    .selectFrom('blobs')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('size'), sql<number>`0`).as('total'))
    .where('owner_id', '=', userId)
    .where('state', '=', 'reserved')
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

// ---------------------------------------------------------------------------------------------------------------
// Users' own buckets

export type StorageConfigRow = {
  readonly id: string;
  readonly user_id: string;
  readonly endpoint: string | null;
  readonly region: string;
  readonly bucket: string;
  readonly force_path_style: boolean;
  readonly key_prefix: string;
  readonly credentials_encrypted: Buffer;
  readonly verified_at: Date;
};

const storageConfigColumns = [
  'id',
  'user_id',
  'endpoint',
  'region',
  'bucket',
  'force_path_style',
  'key_prefix',
  'credentials_encrypted',
  'verified_at',
] as const;

export async function findActiveStorageConfig(db: Db, userId: string): Promise<StorageConfigRow | undefined> {
  return withBlobTables(db)
    .selectFrom('storage_configs')
    .select(storageConfigColumns)
    .where('user_id', '=', userId)
    .where('active', '=', true)
    .executeTakeFirst();
}

export async function findStorageConfigOrThrow(db: Db, id: string): Promise<StorageConfigRow> {
  return withBlobTables(db)
    .selectFrom('storage_configs')
    .select(storageConfigColumns)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

export type NewStorageConfig = Omit<StorageConfigRow, 'verified_at'> & { readonly verifiedAtMs: number };

/** Makes `config` the user's active bucket (the previous one stays, inactive, for the blobs already in it). */
export async function replaceActiveStorageConfig(
  trx: Transaction<Database>,
  config: NewStorageConfig,
): Promise<void> {
  await deactivateStorageConfigs(trx, config.user_id);
  const { verifiedAtMs, ...columns } = config;
  await withBlobTables(trx)
    .insertInto('storage_configs')
    .values({ ...columns, verified_at: new Date(verifiedAtMs).toISOString() })
    .execute();
}

/** Answers whether the user had an active bucket. */
export async function deactivateStorageConfigs(db: Db, userId: string): Promise<boolean> {
  const result = await withBlobTables(db)
    .updateTable('storage_configs')
    .set({ active: false })
    .where('user_id', '=', userId)
    .where('active', '=', true)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Garbage collection. See: [Note: Blob GC]

export async function findExpiredReservationIds(
  db: Db,
  createdBeforeMs: number,
  limit: number,
): Promise<string[]> {
  const rows = await withBlobTables(db)
    .selectFrom('blobs')
    .select('id')
    .where('state', '=', 'reserved')
    .where('created_at', '<', timestampParam(createdBeforeMs))
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Starts or stops the unreferenced clock of committed blobs as live records stopped or started referring to them. */
export async function updateUnreferencedSince(
  db: Db,
  nowMs: number,
): Promise<{ started: number; stopped: number }> {
  const now = new Date(nowMs).toISOString();
  const stopped = await sql`
    update blobs b set unreferenced_since = null
    where b.unreferenced_since is not null
      and exists (select 1 from records r where r.blob_ids @> array[b.id] and not r.deleted)`.execute(db);
  const started = await sql`
    update blobs b set unreferenced_since = ${now}::timestamptz
    where b.state = 'committed' and b.unreferenced_since is null
      and not exists (select 1 from records r where r.blob_ids @> array[b.id] and not r.deleted)`.execute(db);
  return { started: Number(started.numAffectedRows ?? 0), stopped: Number(stopped.numAffectedRows ?? 0) };
}

export async function findUnreferencedBlobIds(
  db: Db,
  sinceBeforeMs: number,
  limit: number,
): Promise<string[]> {
  const rows = await withBlobTables(db)
    .selectFrom('blobs')
    .select('id')
    .where('unreferenced_since', '<', timestampParam(sinceBeforeMs))
    .orderBy('unreferenced_since')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Whether a live record refers to the blob now (a fresh statement: it sees every push committed before it). */
export async function hasLiveReference(db: Db, id: string): Promise<boolean> {
  const { rows } = await sql<{ referenced: boolean }>`
    select exists (select 1 from records where blob_ids @> array[${id}::uuid] and not deleted) as referenced`.execute(
    db,
  );
  return rows[0]?.referenced === true;
}
