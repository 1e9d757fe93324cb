/**
 * @module The sync use cases: collections, push, pull, reconcile. Each runs in one transaction over the
 * repositories and returns a Result; the HTTP edge (sync.routes.ts) validates input and shapes responses.
 * See: [Note: Seq is gap-free].
 */
import type { Membership, PushResult, WireRecord } from '@halyon/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { SyncConfig } from '../../config';
import type { Database } from '../../db/schema';
import { err, ok, type Result } from '../../result';
import {
  insertCollectionIfAbsent,
  insertMembership,
  type MembershipChanges,
  readMembership,
  readMembershipChanges,
} from './collections.repository';
import { base64DecodedLength } from './db-edge';
import {
  type BlobRefStatus,
  type ParsedPushOp,
  type PlannedResult,
  type PushState,
  planPush,
  recordKey,
} from './push-plan';
import {
  lockCollectionsAndReadVersions,
  type ReadableCollection,
  readAppliedOps,
  readChangesPage,
  readReadableCollections,
  readRecords,
  readRecordsById,
  scanRecordVersions,
  writePush,
} from './records.repository';
import type { SyncError } from './sync-errors';

/*
 * [Note: Seq is gap-free]
 * Every write to a collection takes the collection row's lock (SELECT ... FOR UPDATE) in its transaction, takes
 * seq + 1 for each change, writes, and commits, releasing the lock. So a transaction holding seq n has committed
 * before any transaction can take n + 1: commit order equals seq order. A reader that has seen seq n can
 * therefore never later meet a newly committed change with a seq <= n; "give me everything after n" misses
 * nothing. A timestamp cursor has no such guarantee (a transaction that started earlier can commit later with
 * an older timestamp), which is why cursors are seqs. Records keep only their latest change, so seqs present in
 * the table have holes (overwritten or purged changes), but no *committed change* is ever skipped; tombstones
 * carry deletions, and the purge floor (410 cursor_expired) covers the tombstones that were dropped.
 */

/** The blobs feature's reference check, injected so sync does not depend on blob storage. */
export type CheckBlobRefs = (
  trx: Transaction<Database>,
  userId: string,
  blobIds: readonly string[],
) => Promise<ReadonlyMap<string, BlobRefStatus>>;

export interface SyncServiceDeps {
  readonly db: Kysely<Database>;
  readonly limits: SyncConfig;
  /** Milliseconds since the epoch, from the injected clock. */
  readonly now: () => number;
  readonly checkBlobRefs: CheckBlobRefs;
}

// ---------------------------------------------------------------------------------------------------------------
// Collections

export interface CreateCollectionInput {
  readonly id: string;
  readonly encryptedKey: string;
  readonly keyEpoch: number;
}

/** Creates a collection owned by the caller; creating the same id again is idempotent. */
export async function createCollection(
  deps: SyncServiceDeps,
  userId: string,
  input: CreateCollectionInput,
): Promise<Result<Membership, SyncError>> {
  const nowMs = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const { created, ownerId } = await insertCollectionIfAbsent(trx, {
      id: input.id,
      ownerId: userId,
      nowMs,
    });
    if (ownerId !== userId) return err({ type: 'CollectionExists', collectionId: input.id });
    if (created) {
      await insertMembership(trx, {
        collectionId: input.id,
        userId,
        role: 'owner',
        keyEpoch: input.keyEpoch,
        encryptedKeyB64: input.encryptedKey,
        nowMs,
      });
    }
    const membership = await readMembership(trx, userId, input.id);
    // The owner's membership is made with the collection and never removed while it exists.
    if (membership === undefined) throw new Error(`collection ${input.id} has no owner membership`);
    return ok(membership);
  });
}

export function listCollections(
  deps: SyncServiceDeps,
  userId: string,
  since: number,
): Promise<MembershipChanges> {
  return readMembershipChanges(deps.db, userId, since);
}

// ---------------------------------------------------------------------------------------------------------------
// Push

/**
 * Applies a batch as compare-and-set per op, in one transaction: lock the collections and read the versions the
 * batch touches (one statement), decide everything in memory (push-plan.ts) while holding the locks, write it in
 * one statement. Four round trips whatever the batch size (BEGIN, lock-and-read, write, COMMIT), plus one for
 * blob references and one when some op is refused by version.
 */
export async function push(
  deps: SyncServiceDeps,
  userId: string,
  ops: readonly ParsedPushOp[],
): Promise<Result<PushResult[], SyncError>> {
  if (ops.length > deps.limits.maxOpsPerPush) {
    return err({ type: 'BatchTooLarge', count: ops.length, limit: deps.limits.maxOpsPerPush });
  }
  const nowMs = deps.now();
  const results = await deps.db.transaction().execute(async (trx) => {
    const { accessById, storedByKey } = await lockCollectionsAndReadVersions(
      trx,
      userId,
      unique(ops.map((op) => op.collectionId)),
      uniqueBy(ops, (op) => recordKey(op.collectionId, op.recordId)),
    );
    const writable = ops.filter((op) => {
      const role = accessById.get(op.collectionId)?.role;
      return role === 'owner' || role === 'writer';
    });
    const blobIds = unique(writable.flatMap((op) => ('blobIds' in op ? op.blobIds : [])));
    const blobStatusById =
      blobIds.length === 0
        ? new Map<string, BlobRefStatus>()
        : await deps.checkBlobRefs(trx, userId, blobIds);
    const state: PushState = {
      accessById,
      storedByKey,
      appliedByKey: new Map(),
      blobStatusById,
      maxRecordBytes: deps.limits.maxRecordBytes,
      nowMs,
    };

    // See: [Note: Replays hide among the refused]
    let plan = planPush(ops, state);
    const refused = ops.filter((_, i) => isRefusedByVersion(plan.results[i]!));
    if (refused.length > 0) {
      const appliedByKey = await readAppliedOps(trx, refused);
      if (appliedByKey.size > 0) plan = planPush(ops, { ...state, appliedByKey });
    }
    const conflictRefs = plan.results.flatMap((result) =>
      result.status === 'conflict' && result.current.from === 'database' ? [result.current] : [],
    );
    const currentByKey = await readRecords(trx, conflictRefs);
    if (plan.appliedOps.length > 0) await writePush(trx, { ...plan, nowMs });
    return plan.results.map((result) => toPushResult(result, currentByKey));
  });
  return ok(results);
}

/*
 * [Note: Replays hide among the refused]
 * A retried op that already applied can never pass compare-and-set again: versions only grow, so its record is
 * now past its base version (a conflict), or gone after a purge (record_not_found). So the applied-ops table is
 * read only for ops the first plan refuses that way, and the batch is planned again if any of them turn out to
 * be replays. The common push (nothing refused) skips that read. This misses no replay as long as applied op ids
 * are kept no longer than tombstones (the defaults are equal): a record whose tombstone was purged has had its
 * ops pruned in the same purge, so a retry of its create is a new write either way.
 */
function isRefusedByVersion(result: PlannedResult): boolean {
  return result.status === 'conflict' || (result.status === 'rejected' && result.code === 'record_not_found');
}

function toPushResult(result: PlannedResult, currentByKey: ReadonlyMap<string, WireRecord>): PushResult {
  if (result.status !== 'conflict') return result;
  const source = result.current;
  const current =
    source.from === 'batch'
      ? source.record
      : currentByKey.get(recordKey(source.collectionId, source.recordId));
  // Read under the same lock the decision was made under: it cannot have vanished.
  if (current === undefined) throw new Error('conflicting record disappeared inside its transaction');
  return { opId: result.opId, status: 'conflict', current };
}

// ---------------------------------------------------------------------------------------------------------------
// Pull

export interface PullInput {
  readonly cursors: Readonly<Record<string, number>>;
  readonly limit?: number | undefined;
  readonly maxBytes?: number | undefined;
}

export interface PullOutput {
  readonly changes: readonly WireRecord[];
  readonly cursors: Record<string, number>;
  readonly hasMore: boolean;
}

/**
 * Changes after each cursor, collection by collection (in id order), each in seq order, in one page capped by
 * count and bytes. No transaction: one statement checks every cursor, and each collection's page is one
 * statement that also reads the collection's seq and purge floor, so what it answers is one consistent snapshot
 * per collection. See: [Note: Seq is gap-free]
 */
export async function pull(
  deps: SyncServiceDeps,
  userId: string,
  input: PullInput,
): Promise<Result<PullOutput, SyncError>> {
  const limit = Math.min(input.limit ?? deps.limits.pullDefaultLimit, deps.limits.pullMaxLimit);
  const maxBytes = Math.min(input.maxBytes ?? deps.limits.pullDefaultBytes, deps.limits.pullMaxBytes);
  const ids = Object.keys(input.cursors).sort();
  if (ids.length === 0) return ok({ changes: [], cursors: {}, hasMore: false });

  const changed = checkCursors(await readReadableCollections(deps.db, userId, ids), ids, input.cursors);
  if (!changed.ok) return changed;

  const cursors: Record<string, number> = { ...input.cursors };
  const changes: WireRecord[] = [];
  let bytes = 0;
  for (const id of changed.value) {
    if (changes.length >= limit || bytes >= maxBytes) return ok({ changes, cursors, hasMore: true });
    const cursor = cursors[id]!;
    const page = await readChangesPage(deps.db, {
      userId,
      collectionId: id,
      afterSeq: cursor,
      limit: limit - changes.length,
      maxBytes: maxBytes - bytes,
      mayExceedBytes: changes.length === 0,
    });
    // Removed or purged since the check above: answer as the check would have.
    if (page === undefined) return err({ type: 'CollectionNotFound', collectionIds: [id] });
    if (cursor > 0 && cursor < page.purgeFloorSeq) return err({ type: 'CursorExpired', collectionIds: [id] });
    for (const record of page.records) {
      changes.push(record);
      bytes += record.ciphertext === null ? 0 : base64DecodedLength(record.ciphertext);
    }
    if (!page.complete) {
      cursors[id] = page.records.at(-1)?.seq ?? cursor;
      return ok({ changes, cursors, hasMore: true });
    }
    // Everything up to the collection's seq in that snapshot has been seen, including the holes left by
    // overwritten or purged changes.
    cursors[id] = Math.max(page.collectionSeq, cursor);
  }
  return ok({ changes, cursors, hasMore: false });
}

/** Refuses unknown or foreign collections and expired cursors; answers the collections with changes, in order. */
function checkCursors(
  collectionsById: ReadonlyMap<string, ReadableCollection>,
  ids: readonly string[],
  cursors: Readonly<Record<string, number>>,
): Result<string[], SyncError> {
  const unknown = ids.filter((id) => !collectionsById.has(id));
  if (unknown.length > 0) return err({ type: 'CollectionNotFound', collectionIds: unknown });
  const expired = ids.filter((id) => {
    const cursor = cursors[id]!;
    // Cursor 0 is a client holding nothing: it cannot be missing a deletion.
    return cursor > 0 && cursor < collectionsById.get(id)!.purgeFloorSeq;
  });
  if (expired.length > 0) return err({ type: 'CursorExpired', collectionIds: expired });
  return ok(ids.filter((id) => collectionsById.get(id)!.seq > cursors[id]!));
}

// ---------------------------------------------------------------------------------------------------------------
// Reconcile

export interface ReconcileInput {
  readonly collectionId: string;
  readonly after: string | null;
  readonly until: string | null;
  readonly known: readonly { readonly recordId: string; readonly version: number }[];
}

export interface ReconcileOutput {
  readonly seq: number;
  readonly changed: readonly WireRecord[];
  readonly missing: readonly string[];
  readonly hasMore: boolean;
  readonly resumeAfter: string | null;
}

/**
 * Compares one id range of the client's (recordId, version) manifest with the server's records. The server
 * examines at most `reconcileMaxKnown` of its records per call and returns changed records within the pull page
 * caps; when either cap cuts the range short, the answer covers (after, resumeAfter] and hasMore is set.
 * Known ids outside (after, until] are ignored.
 */
export async function reconcile(
  deps: SyncServiceDeps,
  userId: string,
  input: ReconcileInput,
): Promise<Result<ReconcileOutput, SyncError>> {
  const scanLimit = deps.limits.reconcileMaxKnown;
  if (input.known.length > scanLimit) {
    return err({ type: 'BatchTooLarge', count: input.known.length, limit: scanLimit });
  }
  const inRange = (id: string) =>
    (input.after === null || id > input.after) && (input.until === null || id <= input.until);
  const knownVersionById = new Map(
    input.known.filter((k) => inRange(k.recordId)).map((k) => [k.recordId, k.version] as const),
  );

  return deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx): Promise<Result<ReconcileOutput, SyncError>> => {
      const collection = (await readReadableCollections(trx, userId, [input.collectionId])).get(
        input.collectionId,
      );
      if (collection === undefined)
        return err({ type: 'CollectionNotFound', collectionIds: [input.collectionId] });

      const scanned = await scanRecordVersions(trx, {
        collectionId: input.collectionId,
        after: input.after,
        until: input.until,
        limit: scanLimit + 1,
      });
      const examined = scanned.slice(0, scanLimit);
      let cutShortAt: string | null = scanned.length > scanLimit ? examined.at(-1)!.recordId : null;

      const changedIds: string[] = [];
      let bytes = 0;
      for (const record of examined) {
        if (knownVersionById.get(record.recordId) === record.version) continue;
        const full = changedIds.length >= deps.limits.pullDefaultLimit;
        const overBytes = changedIds.length > 0 && bytes + record.size > deps.limits.pullDefaultBytes;
        if (full || overBytes) {
          cutShortAt = changedIds.at(-1)!;
          break;
        }
        changedIds.push(record.recordId);
        bytes += record.size;
      }

      const onServer = new Set(examined.map((r) => r.recordId));
      const missing = [...knownVersionById.keys()]
        .filter((id) => !onServer.has(id) && (cutShortAt === null || id <= cutShortAt))
        .sort();
      return ok({
        seq: collection.seq,
        changed: await readRecordsById(trx, input.collectionId, changedIds),
        missing,
        hasMore: cutShortAt !== null,
        resumeAfter: cutShortAt,
      });
    });
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function uniqueBy<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) if (!byKey.has(keyOf(item))) byKey.set(keyOf(item), item);
  return [...byKey.values()];
}
