/**
 * @module The local store in plain memory, for Node (the CLI, scripts, benchmarks): the same contract as the Dexie
 * store (tested by the same tests), without fake-indexeddb's cost, and persisted through exportSnapshot /
 * importSnapshot. Every method runs synchronously up to its single await point, so each is atomic as a Dexie
 * transaction is. Rows are treated as immutable (readonly types), so they are stored without copying; their
 * `localSeq` stamps (see StoreChanges) are kept beside them and written into exported rows, as Dexie stores them.
 */
import type { Membership } from '@halyon/protocol';
import type { HighWaterMark, OutboxOp, RecordKey, SnapshotPage, StoredRecord } from '../sync/sync-store';
import type { LocalStore, StoreSnapshot, ThumbnailRow } from './local-store';

const keyOf = (k: RecordKey) => `${k.collectionId}/${k.recordId}`;

export interface MemoryStoreOptions {
  readonly thumbnailCacheBytes?: number;
  readonly now?: () => number;
}

export const openMemoryLocalStore = (name: string, options: MemoryStoreOptions = {}): LocalStore => {
  const now = options.now ?? Date.now;
  const thumbnailBudget = options.thumbnailCacheBytes ?? 64 * 1024 * 1024;
  const records = new Map<string, StoredRecord>();
  const outbox = new Map<string, OutboxOp>();
  const highWater = new Map<string, HighWaterMark>();
  const cursors = new Map<string, number>();
  const memberships = new Map<string, Membership>();
  const meta = new Map<string, unknown>();
  const thumbnails = new Map<string, ThumbnailRow>();
  const recordSeqs = new Map<string, number>();
  const outboxSeqs = new Map<string, number>();
  // Kept in index order, as the reads answer them.
  let snapshotPages: readonly SnapshotPage[] = [];
  const inIndexOrder = (pages: readonly SnapshotPage[]) => [...pages].sort((a, b) => a.index - b.index);
  const byQueueOrder = (a: OutboxOp, b: OutboxOp) => a.queuedAt - b.queuedAt;
  const putHighWater = (k: RecordKey, version: number) =>
    highWater.set(keyOf(k), { collectionId: k.collectionId, recordId: k.recordId, version });
  const thumbnailBytes = () => (meta.get('thumbnailBytes') as number | undefined) ?? 0;
  const readThumbnail = (blobId: string): Uint8Array | undefined => {
    const row = thumbnails.get(blobId);
    if (!row) return undefined;
    thumbnails.set(blobId, { ...row, lastUsedAt: now() });
    return row.bytes;
  };
  const localSeq = () => (meta.get('localSeq') as number | undefined) ?? 0;
  const snapshotFloor = () => (meta.get('snapshotFloor') as number | undefined) ?? 0;
  /** The stamp for the rows of one write. */
  const nextLocalSeq = () => {
    const next = localSeq() + 1;
    meta.set('localSeq', next);
    return next;
  };
  /** Rows were removed: snapshots taken before now cannot see it. */
  const raiseSnapshotFloor = () => meta.set('snapshotFloor', nextLocalSeq());
  const putOp = (op: OutboxOp, stamp: number) => {
    outbox.set(keyOf(op), op);
    outboxSeqs.set(keyOf(op), stamp);
  };
  const deleteOp = (key: string) => {
    outbox.delete(key);
    outboxSeqs.delete(key);
  };

  const tables = {
    records,
    outbox,
    highWater,
    cursors,
    memberships,
    meta,
    thumbnails,
    recordSeqs,
    outboxSeqs,
  } as const;

  return {
    name,
    getDeviceId: async () => {
      const existing = meta.get('deviceId') as string | undefined;
      if (existing) return existing;
      const id = Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => (b % 36).toString(36)).join(
        '',
      );
      meta.set('deviceId', id);
      return id;
    },
    getServerEpoch: async () => (meta.get('serverEpoch') as string | undefined) ?? null,
    setServerEpoch: async (epoch) => void meta.set('serverEpoch', epoch),

    listMemberships: async () => [...memberships.values()],
    getMembershipCursor: async () => (meta.get('membershipCursor') as number | undefined) ?? 0,
    applyMemberships: async (cursor, upserted, removed) => {
      for (const m of upserted) memberships.set(m.collectionId, m);
      for (const id of removed) memberships.delete(id);
      meta.set('membershipCursor', cursor);
    },

    getCursors: async () => new Map(cursors),
    setCursor: async (collectionId, seq) => void cursors.set(collectionId, seq),
    applyRemote: async (rows, nextCursors) => {
      const stamp = nextLocalSeq();
      for (const r of rows) {
        records.set(keyOf(r), r);
        recordSeqs.set(keyOf(r), stamp);
        putHighWater(r, r.version);
      }
      for (const [id, seq] of Object.entries(nextCursors)) cursors.set(id, seq);
    },
    getRecords: async (keys) => keys.map((k) => records.get(keyOf(k))),
    getHighWater: async (keys) => keys.map((k) => highWater.get(keyOf(k))?.version),
    listManifest: async (collectionId) =>
      [...records.values()]
        .filter((r) => r.collectionId === collectionId)
        .map((r) => ({ recordId: r.recordId, version: r.version }))
        .sort((a, b) => (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0)),
    dropRecords: async (collectionId, ids) => {
      for (const recordId of ids) {
        records.delete(keyOf({ collectionId, recordId }));
        recordSeqs.delete(keyOf({ collectionId, recordId }));
      }
      if (ids.length > 0) raiseSnapshotFloor();
    },
    listRecords: async () => [...records.values()],
    readChangesSince: async (since) => {
      // Rows from before the counter existed (stamped 0) count as written at the start.
      const touched = new Set<string>();
      for (const seqs of [recordSeqs, outboxSeqs]) {
        for (const [key, stamp] of seqs) if (stamp > since || since === 0) touched.add(key);
      }
      const changedRecords: StoredRecord[] = [];
      const changedOps: OutboxOp[] = [];
      for (const key of touched) {
        const record = records.get(key);
        const op = outbox.get(key);
        if (record) changedRecords.push(record);
        if (op) changedOps.push(op);
      }
      return {
        localSeq: localSeq(),
        snapshotFloor: snapshotFloor(),
        records: changedRecords,
        outbox: changedOps.sort(byQueueOrder),
      };
    },
    getSnapshotPages: async () => [...snapshotPages],
    readSnapshotPages: async (from, limit) => ({
      pages: snapshotPages.filter((page) => page.index >= from && page.index < from + limit),
      total: snapshotPages.length,
    }),
    putSnapshotPages: async (pages) => {
      snapshotPages = inIndexOrder(pages);
    },

    resetServerState: async (epoch, ops) => {
      records.clear();
      recordSeqs.clear();
      highWater.clear();
      cursors.clear();
      memberships.clear();
      outbox.clear();
      outboxSeqs.clear();
      snapshotPages = [];
      raiseSnapshotFloor();
      const stamp = nextLocalSeq();
      for (const op of ops) putOp(op, stamp);
      meta.set('membershipCursor', 0);
      meta.set('serverEpoch', epoch);
    },
    putOutbox: async (op) => putOp(op, nextLocalSeq()),
    getOutbox: async (keys) => keys.map((k) => outbox.get(keyOf(k))),
    putOutboxMany: async (ops) => {
      if (ops.length === 0) return;
      const stamp = nextLocalSeq();
      for (const op of ops) putOp(op, stamp);
    },
    unparkAll: async () => {
      let count = 0;
      for (const [k, op] of outbox) {
        if (op.parked === null) continue;
        outbox.set(k, { ...op, parked: null });
        count++;
      }
      return count;
    },
    takeOutbox: async (limit) =>
      [...outbox.values()]
        .filter((op) => op.parked === null)
        .sort(byQueueOrder)
        .slice(0, limit),
    listOutbox: async () => [...outbox.values()].sort(byQueueOrder),
    countOutbox: async () => outbox.size,
    confirmApplied: async (applied, updatedAt) => {
      const stamp = nextLocalSeq();
      for (const { op, version, seq } of applied) {
        records.set(keyOf(op), {
          collectionId: op.collectionId,
          recordId: op.recordId,
          version,
          seq,
          deleted: op.ciphertext === null,
          ciphertext: op.ciphertext,
          blobIds: op.blobIds,
          updatedAt,
        });
        recordSeqs.set(keyOf(op), stamp);
        putHighWater(op, version);
        if (outbox.get(keyOf(op))?.opId === op.opId) deleteOp(keyOf(op));
      }
    },
    replaceOutbox: async (sentOpId, key, next) => {
      if (outbox.get(keyOf(key))?.opId !== sentOpId) return false;
      if (next) putOp(next, nextLocalSeq());
      else {
        deleteOp(keyOf(key));
        raiseSnapshotFloor();
      }
      return true;
    },

    putThumbnail: async (blobId, bytes) => {
      let total = thumbnailBytes() - (thumbnails.get(blobId)?.bytes.length ?? 0);
      thumbnails.set(blobId, { blobId, bytes, lastUsedAt: now() });
      total += bytes.length;
      if (total > thumbnailBudget) {
        const oldestFirst = [...thumbnails.values()].sort((a, b) => a.lastUsedAt - b.lastUsedAt);
        for (const row of oldestFirst) {
          if (total <= thumbnailBudget || row.blobId === blobId) continue;
          thumbnails.delete(row.blobId);
          total -= row.bytes.length;
        }
      }
      meta.set('thumbnailBytes', total);
    },
    getThumbnail: async (blobId) => readThumbnail(blobId),
    getThumbnails: async (blobIds) => blobIds.map(readThumbnail),
    thumbnailCacheSize: async () => thumbnailBytes(),

    exportSnapshot: async () => ({
      records: [...records].map(([key, r]) => ({ ...r, localSeq: recordSeqs.get(key) ?? 0 })),
      outbox: [...outbox].map(([key, op]) => ({ ...op, localSeq: outboxSeqs.get(key) ?? 0 })),
      highWater: [...highWater.values()],
      cursors: [...cursors].map(([collectionId, seq]) => ({ collectionId, seq })),
      memberships: [...memberships.values()],
      meta: [...meta].map(([key, value]) => ({ key, value })),
      thumbnails: [...thumbnails.values()],
      snapshotPages: [...snapshotPages],
    }),
    importSnapshot: async (snapshot: StoreSnapshot) => {
      for (const table of Object.values(tables)) table.clear();
      const rows = <T>(name: string) => (snapshot[name] ?? []) as readonly T[];
      for (const { localSeq: stamp = 0, ...r } of rows<StoredRecord & { localSeq?: number }>('records')) {
        records.set(keyOf(r), r);
        recordSeqs.set(keyOf(r), stamp);
      }
      // Written by the Dexie store, outbox rows carry its `lane` index field: drop it.
      for (const { lane: _lane, localSeq: stamp = 0, ...op } of rows<
        OutboxOp & { lane?: number; localSeq?: number }
      >('outbox'))
        putOp(op, stamp);
      for (const h of rows<HighWaterMark>('highWater')) highWater.set(keyOf(h), h);
      for (const c of rows<{ collectionId: string; seq: number }>('cursors'))
        cursors.set(c.collectionId, c.seq);
      for (const m of rows<Membership>('memberships')) memberships.set(m.collectionId, m);
      for (const m of rows<{ key: string; value: unknown }>('meta')) meta.set(m.key, m.value);
      for (const t of rows<ThumbnailRow>('thumbnails')) thumbnails.set(t.blobId, t);
      snapshotPages = inIndexOrder(rows<SnapshotPage>('snapshotPages'));
    },
    close: () => {},
    destroy: async () => {
      for (const table of Object.values(tables)) table.clear();
      snapshotPages = [];
    },
  };
};
