/**
 * @module The local store in plain memory, for Node (the CLI, scripts, benchmarks): the same contract as the Dexie
 * store (tested by the same tests), without fake-indexeddb's cost, and persisted through exportSnapshot /
 * importSnapshot. Every method runs synchronously up to its single await point, so each is atomic as a Dexie
 * transaction is. Rows are treated as immutable (readonly types), so they are stored without copying; their
 * `localSeq` stamps (see StoreChanges) are kept beside them and written into exported rows, as Dexie stores them.
 *
 * With `trackChanges`, every write marks the keys it touched, so a file-backed store (cli/file-store.ts) can append only what changed
 * since its last save (`takeDelta`, in the snapshot's row format) instead of writing the whole store each time.
 */
import type { Membership } from '@halyon/protocol';
import type { HighWaterMark, OutboxOp, RecordKey, SnapshotPage, StoredRecord } from '../sync/sync-store';
import type { LocalStore, StoreSnapshot, ThumbnailRow } from './local-store';

const keyOf = (k: RecordKey) => `${k.collectionId}/${k.recordId}`;

export interface MemoryStoreOptions {
  readonly thumbnailCacheBytes?: number;
  readonly now?: () => number;
  /** Note the keys each write touches, for `takeDelta` (a file-backed store); off, nothing is kept per write. */
  readonly trackChanges?: boolean;
}

const TABLES = ['records', 'outbox', 'highWater', 'cursors', 'memberships', 'meta', 'thumbnails'] as const;
type TableName = (typeof TABLES)[number];

/**
 * What changed since the previous `takeDelta`: per table, the rows written (as `exportSnapshot` writes them) and
 * the keys removed; `snapshotPages` when they were replaced. Applying deltas in order to the snapshot they
 * followed gives the store's contents.
 */
export interface StoreDelta {
  readonly put: Readonly<Partial<Record<TableName, readonly unknown[]>>>;
  readonly removed: Readonly<Partial<Record<TableName, readonly string[]>>>;
  readonly snapshotPages?: readonly SnapshotPage[];
}

export const isEmptyDelta = (delta: StoreDelta): boolean =>
  Object.keys(delta.put).length === 0 &&
  Object.keys(delta.removed).length === 0 &&
  delta.snapshotPages === undefined;

export interface MemoryLocalStore extends LocalStore {
  /** The changes since the last call (or since the store was opened or imported), and forgets them. */
  takeDelta(): StoreDelta;
  /** Replays a delta `takeDelta` answered (after importing the snapshot it followed). */
  applyDelta(delta: StoreDelta): void;
}

/** A Map that notes every key it sets or deletes (a clear notes each key it held). */
class TrackedMap<V> extends Map<string, V> {
  constructor(private readonly touched: Set<string>) {
    super();
  }
  override set(key: string, value: V): this {
    this.touched?.add(key); // undefined while Map's own constructor runs
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.touched.add(key);
    return super.delete(key);
  }
  override clear(): void {
    for (const key of this.keys()) this.touched.add(key);
    super.clear();
  }
}

export const openMemoryLocalStore = (name: string, options: MemoryStoreOptions = {}): MemoryLocalStore => {
  const now = options.now ?? Date.now;
  const thumbnailBudget = options.thumbnailCacheBytes ?? 64 * 1024 * 1024;
  const touched = Object.fromEntries(TABLES.map((table) => [table, new Set<string>()])) as Record<
    TableName,
    Set<string>
  >;
  let pagesTouched = false;
  const newTable = <V>(name: TableName): Map<string, V> =>
    options.trackChanges ? new TrackedMap<V>(touched[name]) : new Map<string, V>();
  const records = newTable<StoredRecord>('records');
  const outbox = newTable<OutboxOp>('outbox');
  const highWater = newTable<HighWaterMark>('highWater');
  const cursors = newTable<number>('cursors');
  const memberships = newTable<Membership>('memberships');
  const meta = newTable<unknown>('meta');
  const thumbnails = newTable<ThumbnailRow>('thumbnails');
  // A stamp belongs to its row: changing it rewrites the row.
  const recordSeqs = newTable<number>('records');
  const outboxSeqs = newTable<number>('outbox');
  // Kept in index order, as the reads answer them.
  let snapshotPages: readonly SnapshotPage[] = [];
  const setSnapshotPages = (pages: readonly SnapshotPage[]) => {
    snapshotPages = pages;
    pagesTouched = true;
  };
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
  const forgetTouched = () => {
    for (const keys of Object.values(touched)) keys.clear();
    pagesTouched = false;
  };
  /** A table's row as exported (records and outbox ops carry their stamp), by its key. */
  const rowOf: Record<TableName, (key: string) => unknown> = {
    records: (key) => ({ ...records.get(key)!, localSeq: recordSeqs.get(key) ?? 0 }),
    outbox: (key) => ({ ...outbox.get(key)!, localSeq: outboxSeqs.get(key) ?? 0 }),
    highWater: (key) => highWater.get(key),
    cursors: (key) => ({ collectionId: key, seq: cursors.get(key) }),
    memberships: (key) => memberships.get(key),
    meta: (key) => ({ key, value: meta.get(key) }),
    thumbnails: (key) => thumbnails.get(key),
  };
  /** Puts an exported row back under its key. */
  const putRow: Record<TableName, (row: unknown) => void> = {
    records: (row) => {
      const { localSeq: stamp = 0, ...r } = row as StoredRecord & { localSeq?: number };
      records.set(keyOf(r), r);
      recordSeqs.set(keyOf(r), stamp);
    },
    // Written by the Dexie store, outbox rows carry its `lane` index field: drop it.
    outbox: (row) => {
      const {
        lane: _lane,
        localSeq: stamp = 0,
        ...op
      } = row as OutboxOp & { lane?: number; localSeq?: number };
      putOp(op, stamp);
    },
    highWater: (row) => void highWater.set(keyOf(row as HighWaterMark), row as HighWaterMark),
    cursors: (row) => {
      const c = row as { collectionId: string; seq: number };
      cursors.set(c.collectionId, c.seq);
    },
    memberships: (row) => void memberships.set((row as Membership).collectionId, row as Membership),
    meta: (row) => {
      const m = row as { key: string; value: unknown };
      meta.set(m.key, m.value);
    },
    thumbnails: (row) => void thumbnails.set((row as ThumbnailRow).blobId, row as ThumbnailRow),
  };

  return {
    name,
    getDeviceNote: async (name) => meta.get(`note:${name}`) as Uint8Array | undefined,
    putDeviceNote: async (name, sealed) => void meta.set(`note:${name}`, sealed),
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
    putSnapshotPages: async (pages) => setSnapshotPages(inIndexOrder(pages)),

    resetServerState: async (epoch, ops) => {
      records.clear();
      recordSeqs.clear();
      highWater.clear();
      cursors.clear();
      memberships.clear();
      outbox.clear();
      outboxSeqs.clear();
      setSnapshotPages([]);
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
      ...Object.fromEntries(
        TABLES.map((table) => [table, [...tables[table].keys()].map((key) => rowOf[table](key))]),
      ),
      snapshotPages: [...snapshotPages],
    }),
    importSnapshot: async (snapshot: StoreSnapshot) => {
      for (const table of Object.values(tables)) table.clear();
      for (const table of TABLES) for (const row of snapshot[table] ?? []) putRow[table](row);
      snapshotPages = inIndexOrder((snapshot.snapshotPages ?? []) as readonly SnapshotPage[]);
      forgetTouched(); // the caller holds this state already
    },
    takeDelta: () => {
      // Without tracking, an empty delta would silently drop every write since the last save.
      if (!options.trackChanges) throw new Error('takeDelta needs a store opened with trackChanges');
      const put: Partial<Record<TableName, unknown[]>> = {};
      const removed: Partial<Record<TableName, string[]>> = {};
      for (const table of TABLES) {
        const keys = [...touched[table]];
        const written = keys.filter((key) => tables[table].has(key));
        const gone = keys.filter((key) => !tables[table].has(key));
        if (written.length > 0) put[table] = written.map((key) => rowOf[table](key));
        if (gone.length > 0) removed[table] = gone;
      }
      const delta = { put, removed, ...(pagesTouched ? { snapshotPages: [...snapshotPages] } : {}) };
      forgetTouched();
      return delta;
    },
    applyDelta: (delta: StoreDelta) => {
      for (const table of TABLES) {
        for (const key of delta.removed[table] ?? []) {
          tables[table].delete(key);
          if (table === 'records') recordSeqs.delete(key);
          if (table === 'outbox') outboxSeqs.delete(key);
        }
        for (const row of delta.put[table] ?? []) putRow[table](row);
      }
      if (delta.snapshotPages) snapshotPages = inIndexOrder(delta.snapshotPages);
      forgetTouched();
    },
    close: () => {},
    destroy: async () => {
      for (const table of Object.values(tables)) table.clear();
      snapshotPages = [];
      forgetTouched();
    },
  };
};
