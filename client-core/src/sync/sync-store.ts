/**
 * @module What the sync engine needs from local storage. store/local-store.ts implements it on Dexie; the engine
 * never touches IndexedDB itself. Everything here is ciphertext or bookkeeping: nothing decrypted is stored.
 */
import type { Membership } from '@halyon/protocol';

export interface RecordKey {
  readonly collectionId: string;
  readonly recordId: string;
}

/** A record exactly as the server holds it (ciphertext is null for a tombstone). */
export interface StoredRecord extends RecordKey {
  readonly version: number;
  readonly seq: number;
  readonly deleted: boolean;
  readonly ciphertext: Uint8Array | null;
  readonly blobIds: readonly string[];
  readonly updatedAt: number;
}

/** Why the server refused an op; the op stays parked in the outbox until retried, never dropped. */
export interface ParkedReason {
  readonly code: string;
  readonly message: string;
}

/**
 * A local write waiting to reach the server, already sealed for version `baseVersion + 1`. One per record: a new
 * local edit of the same record replaces it (its plaintext already includes the older pending edits).
 */
export interface OutboxOp extends RecordKey {
  readonly opId: string;
  readonly baseVersion: number;
  /** null: delete forever. */
  readonly ciphertext: Uint8Array | null;
  readonly blobIds: readonly string[];
  readonly queuedAt: number;
  readonly parked: ParkedReason | null;
}

export interface HighWaterMark extends RecordKey {
  readonly version: number;
}

/** Pages of the local snapshot from one read, and how many pages the snapshot has. */
export interface SnapshotPageRange {
  readonly pages: readonly SnapshotPage[];
  readonly total: number;
}

/**
 * One sealed page of the local snapshot (sync/snapshot.ts): ciphertext under a key only this account derives.
 * See: [Note: Local snapshot]
 */
export interface SnapshotPage {
  readonly index: number;
  /** Random per snapshot; every page of one snapshot carries the same, and the AEAD binds it. */
  readonly generation: string;
  readonly sealed: Uint8Array;
}

/**
 * The records touched after a point of the store's change counter, read atomically. Every write of a record or
 * outbox row stamps it with the next value of a store-wide counter (`localSeq`), so a warm start reads only what
 * changed after its snapshot. Removals leave no row to find: they raise `snapshotFloor` instead.
 */
export interface StoreChanges {
  /** The counter now: every row written so far is at or below it. */
  readonly localSeq: number;
  /** A snapshot taken at a localSeq below this cannot be followed (rows were removed after it). */
  readonly snapshotFloor: number;
  /** For every record whose row or outbox op was written after the point asked: both, as they are now. */
  readonly records: readonly StoredRecord[];
  readonly outbox: readonly OutboxOp[];
}

export interface SyncStore {
  getServerEpoch(): Promise<string | null>;
  setServerEpoch(epoch: string): Promise<void>;

  listMemberships(): Promise<readonly Membership[]>;
  getMembershipCursor(): Promise<number>;
  applyMemberships(
    cursor: number,
    upserted: readonly Membership[],
    removed: readonly string[],
  ): Promise<void>;

  getCursors(): Promise<ReadonlyMap<string, number>>;
  setCursor(collectionId: string, seq: number): Promise<void>;
  /** Records and tombstones from the server, their high-water marks, and the cursors they advance, atomically. */
  applyRemote(records: readonly StoredRecord[], cursors: Readonly<Record<string, number>>): Promise<void>;
  getRecords(keys: readonly RecordKey[]): Promise<ReadonlyArray<StoredRecord | undefined>>;
  getHighWater(keys: readonly RecordKey[]): Promise<ReadonlyArray<number | undefined>>;
  /** (recordId, version) of every record held in a collection, in record-id order: the reconcile manifest. */
  listManifest(collectionId: string): Promise<ReadonlyArray<{ recordId: string; version: number }>>;
  /** Forgets records the server purged; their high-water marks stay. */
  dropRecords(collectionId: string, recordIds: readonly string[]): Promise<void>;
  listRecords(): Promise<readonly StoredRecord[]>;
  /** `readChangesSince(0)` reads every record and op. */
  readChangesSince(localSeq: number): Promise<StoreChanges>;
  getSnapshotPages(): Promise<readonly SnapshotPage[]>;
  /**
   * Up to `limit` snapshot pages from index `from` on, in index order, and how many pages there are: a warm start
   * reads the next pages while it opens these. Separate reads may see two snapshots; the AEAD tells (see
   * [Note: Local snapshot]).
   */
  readSnapshotPages(from: number, limit: number): Promise<SnapshotPageRange>;
  /** Replaces the snapshot, atomically. */
  putSnapshotPages(pages: readonly SnapshotPage[]): Promise<void>;

  /**
   * Forgets everything learnt from the server (records, high-water marks, cursors, memberships) and remembers
   * `epoch` instead, atomically; the outbox is replaced by `outbox`. For adopting a restored server.
   */
  resetServerState(epoch: string, outbox: readonly OutboxOp[]): Promise<void>;
  putOutbox(op: OutboxOp): Promise<void>;
  getOutbox(keys: readonly RecordKey[]): Promise<ReadonlyArray<OutboxOp | undefined>>;
  putOutboxMany(ops: readonly OutboxOp[]): Promise<void>;
  /** Parked ops go back in line (after the user fixed the cause, or to try again). */
  unparkAll(): Promise<number>;
  /** Unparked ops, oldest first. */
  takeOutbox(limit: number): Promise<readonly OutboxOp[]>;
  listOutbox(): Promise<readonly OutboxOp[]>;
  countOutbox(): Promise<number>;
  /**
   * The server applied these ops at their `version`/`seq`: store each as the server's record and drop it from the
   * outbox unless a newer local edit has replaced it meanwhile. Atomic, and one transaction for the whole batch.
   */
  confirmApplied(
    applied: ReadonlyArray<{ readonly op: OutboxOp; readonly version: number; readonly seq: number }>,
    updatedAt: number,
  ): Promise<void>;
  /** Replaces the op sent as `sentOpId` by `next` (null: remove), unless a newer local edit replaced it. Atomic. */
  replaceOutbox(sentOpId: string, key: RecordKey, next: OutboxOp | null): Promise<boolean>;
}
