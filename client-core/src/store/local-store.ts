/**
 * @module The local store on Dexie: the only code that opens IndexedDB. It holds ciphertext and bookkeeping only
 * (records as the server has them, the sealed outbox, cursors, high-water marks, the server epoch, memberships,
 * encrypted thumbnails and the sealed snapshot pages); decrypted models live in memory. In Node, pass
 * fake-indexeddb's factory.
 */
import type { Membership } from '@halyon/protocol';
import { Dexie, type Table } from 'dexie';
import type {
  HighWaterMark,
  OutboxOp,
  RecordKey,
  SnapshotPage,
  StoredRecord,
  SyncStore,
} from '../sync/sync-store';
import { type IndexedDbPlatform, toDexieOptions } from './dexie-platform';

interface MetaRow {
  readonly key: string;
  readonly value: unknown;
}

interface CursorRow {
  readonly collectionId: string;
  readonly seq: number;
}

export interface ThumbnailRow {
  readonly blobId: string;
  /** Encrypted exactly as downloaded; decrypted only in memory. */
  readonly bytes: Uint8Array;
  readonly lastUsedAt: number;
}

/**
 * Schema versions, oldest first. Never edit a shipped entry: append a new version with its `upgrade`, so a store
 * written by an older client opens and migrates in place.
 */
const SCHEMA_VERSIONS: ReadonlyArray<{
  readonly version: number;
  readonly stores: Readonly<Record<string, string>>;
  readonly upgrade?: (tx: import('dexie').Transaction) => Promise<void>;
}> = [
  {
    version: 1,
    stores: {
      records: '[collectionId+recordId], collectionId',
      outbox: '[collectionId+recordId], [lane+queuedAt]',
      highWater: '[collectionId+recordId]',
      cursors: 'collectionId',
      memberships: 'collectionId',
      meta: 'key',
      thumbnails: 'blobId, lastUsedAt',
    },
  },
  {
    // The change counter (see StoreChanges) on record and outbox rows, and the sealed snapshot pages. Rows written
    // before have no `localSeq`, so the index skips them: they count as written before any snapshot, which is
    // true, as there was none. No data to move.
    version: 2,
    stores: {
      records: '[collectionId+recordId], collectionId, localSeq',
      outbox: '[collectionId+recordId], [lane+queuedAt], localSeq',
      snapshotPages: 'index',
    },
  },
];

/**
 * `lane` is 0 for ops waiting to be sent and 1 for parked ones, so the next batch is one indexed range read
 * (a filtered cursor is slow on large outboxes). `localSeq`: see StoreChanges.
 */
type OutboxRow = OutboxOp & { readonly lane: 0 | 1; readonly localSeq: number };
const toRow = (op: OutboxOp, localSeq: number): OutboxRow => ({
  ...op,
  lane: op.parked === null ? 0 : 1,
  localSeq,
});
type RecordRow = StoredRecord & { readonly localSeq: number };

class HalyonDexie extends Dexie {
  records!: Table<RecordRow, [string, string]>;
  outbox!: Table<OutboxRow, [string, string]>;
  highWater!: Table<HighWaterMark, [string, string]>;
  cursors!: Table<CursorRow, string>;
  memberships!: Table<Membership, string>;
  meta!: Table<MetaRow, string>;
  thumbnails!: Table<ThumbnailRow, string>;
  snapshotPages!: Table<SnapshotPage, number>;

  constructor(name: string, options: LocalStoreOptions) {
    super(name, toDexieOptions(options));
    for (const { version, stores, upgrade } of SCHEMA_VERSIONS) {
      const declared = this.version(version).stores(stores);
      if (upgrade) declared.upgrade(upgrade);
    }
  }
}

export type StoreSnapshot = Readonly<Record<string, readonly unknown[]>>;

export interface LocalStoreOptions extends IndexedDbPlatform {
  /** The encrypted thumbnail cache is trimmed, least recently used first, above this many bytes. */
  readonly thumbnailCacheBytes?: number;
  /** How long thumbnail reads are remembered in memory before their use times are written, in one batch. */
  readonly thumbnailTouchFlushMs?: number;
  readonly now?: () => number;
}

export interface LocalStore extends SyncStore {
  readonly name: string;
  /** A random id for this device's HLC stamps, made on first use and kept. */
  getDeviceId(): Promise<string>;
  putThumbnail(blobId: string, encryptedBytes: Uint8Array): Promise<void>;
  getThumbnail(blobId: string): Promise<Uint8Array | undefined>;
  /** Several cached thumbnails in one read (one transaction), in the order asked; undefined where not cached. */
  getThumbnails(blobIds: ReadonlyArray<string>): Promise<Array<Uint8Array | undefined>>;
  thumbnailCacheSize(): Promise<number>;
  /** A small value this device keeps for itself (never synced), sealed by the caller: it is stored as given. */
  getDeviceNote(name: string): Promise<Uint8Array | undefined>;
  putDeviceNote(name: string, sealed: Uint8Array): Promise<void>;
  /** Every table's rows (ciphertext and bookkeeping only), for a file-backed store in Node. */
  exportSnapshot(): Promise<StoreSnapshot>;
  /** Replaces the store's contents with a snapshot. */
  importSnapshot(snapshot: StoreSnapshot): Promise<void>;
  close(): void;
  /** Deletes the whole store (log out). */
  destroy(): Promise<void>;
}

const keyOf = (k: RecordKey): [string, string] => [k.collectionId, k.recordId];
const META_EPOCH = 'serverEpoch';
const META_NOTE_PREFIX = 'note:';
const META_MEMBERSHIP_CURSOR = 'membershipCursor';
const META_THUMBNAIL_BYTES = 'thumbnailBytes';
const META_DEVICE_ID = 'deviceId';
const META_LOCAL_SEQ = 'localSeq';
const META_SNAPSHOT_FLOOR = 'snapshotFloor';

export const openLocalStore = async (name: string, options: LocalStoreOptions = {}): Promise<LocalStore> => {
  const db = new HalyonDexie(name, options);
  await db.open();
  const now = options.now ?? Date.now;
  const thumbnailBudget = options.thumbnailCacheBytes ?? 64 * 1024 * 1024;
  const touchFlushMs = options.thumbnailTouchFlushMs ?? 5_000;

  const getMeta = async <T>(key: string): Promise<T | undefined> =>
    (await db.meta.get(key))?.value as T | undefined;
  /** The stamp for the rows of one write; call inside a transaction that includes `meta`. */
  const nextLocalSeq = async (): Promise<number> => {
    const next = ((await getMeta<number>(META_LOCAL_SEQ)) ?? 0) + 1;
    await db.meta.put({ key: META_LOCAL_SEQ, value: next });
    return next;
  };
  /** Rows were removed: snapshots taken before now cannot see it. Inside a transaction with `meta`. */
  const raiseSnapshotFloor = async () => {
    await db.meta.put({ key: META_SNAPSHOT_FLOOR, value: await nextLocalSeq() });
  };

  // A thumbnail read is the hot path of scrolling: its use time waits here and is written with others in one
  // transaction (or with the next cache write, so eviction always sees it) instead of a write per read.
  const pendingTouches = new Map<string, number>();
  let touchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Writes the waiting use times; call inside a transaction that includes `thumbnails`, or alone. */
  const writeTouches = async (): Promise<void> => {
    if (touchTimer !== undefined) clearTimeout(touchTimer);
    touchTimer = undefined;
    if (pendingTouches.size === 0) return;
    const touches = [...pendingTouches];
    pendingTouches.clear();
    // A row evicted since its read is skipped: update() of a missing key changes nothing.
    await db.thumbnails.bulkUpdate(touches.map(([key, lastUsedAt]) => ({ key, changes: { lastUsedAt } })));
  };
  const flushTouches = () => db.transaction('rw', [db.thumbnails], writeTouches);
  const touchThumbnail = (blobId: string): void => {
    pendingTouches.set(blobId, now());
    if (touchTimer !== undefined) return;
    touchTimer = setTimeout(() => void flushTouches(), touchFlushMs);
    // In Node, a waiting flush does not keep the process alive.
    (touchTimer as { unref?: () => void }).unref?.();
  };

  const putOutboxRows = (ops: readonly OutboxOp[]) =>
    db.transaction('rw', [db.outbox, db.meta], async () => {
      if (ops.length === 0) return;
      const stamp = await nextLocalSeq();
      await db.outbox.bulkPut(ops.map((op) => toRow(op, stamp)));
    });

  return {
    name,
    getDeviceNote: (name) => getMeta<Uint8Array>(`${META_NOTE_PREFIX}${name}`),
    putDeviceNote: async (name, sealed) => {
      await db.meta.put({ key: `${META_NOTE_PREFIX}${name}`, value: sealed });
    },
    getDeviceId: () =>
      db.transaction('rw', [db.meta], async () => {
        const existing = await getMeta<string>(META_DEVICE_ID);
        if (existing) return existing;
        const bytes = crypto.getRandomValues(new Uint8Array(10));
        const id = Array.from(bytes, (b) => (b % 36).toString(36)).join('');
        await db.meta.put({ key: META_DEVICE_ID, value: id });
        return id;
      }),
    getServerEpoch: async () => (await getMeta<string>(META_EPOCH)) ?? null,
    setServerEpoch: async (epoch) => {
      await db.meta.put({ key: META_EPOCH, value: epoch });
    },

    listMemberships: () => db.memberships.toArray(),
    getMembershipCursor: async () => (await getMeta<number>(META_MEMBERSHIP_CURSOR)) ?? 0,
    applyMemberships: (cursor, upserted, removed) =>
      db.transaction('rw', [db.memberships, db.meta], async () => {
        await db.memberships.bulkPut([...upserted]);
        await db.memberships.bulkDelete([...removed]);
        await db.meta.put({ key: META_MEMBERSHIP_CURSOR, value: cursor });
      }),

    getCursors: async () => new Map((await db.cursors.toArray()).map((c) => [c.collectionId, c.seq])),
    setCursor: async (collectionId, seq) => {
      await db.cursors.put({ collectionId, seq });
    },
    applyRemote: (records, cursors) =>
      db.transaction('rw', [db.records, db.highWater, db.cursors, db.meta], async () => {
        const stamp = await nextLocalSeq();
        await db.records.bulkPut(records.map((r) => ({ ...r, localSeq: stamp })));
        await db.highWater.bulkPut(
          records.map((r) => ({ collectionId: r.collectionId, recordId: r.recordId, version: r.version })),
        );
        await db.cursors.bulkPut(
          Object.entries(cursors).map(([collectionId, seq]) => ({ collectionId, seq })),
        );
      }),
    getRecords: (keys) => db.records.bulkGet(keys.map(keyOf)),
    getHighWater: async (keys) => (await db.highWater.bulkGet(keys.map(keyOf))).map((h) => h?.version),
    listManifest: async (collectionId) =>
      (await db.records.where('collectionId').equals(collectionId).toArray())
        .map((r) => ({ recordId: r.recordId, version: r.version }))
        .sort((a, b) => (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0)),
    dropRecords: (collectionId, recordIds) =>
      db.transaction('rw', [db.records, db.meta], async () => {
        if (recordIds.length === 0) return;
        await db.records.bulkDelete(recordIds.map((id) => [collectionId, id]));
        await raiseSnapshotFloor();
      }),
    listRecords: () => db.records.toArray(),
    readChangesSince: (since) =>
      db.transaction('r', [db.records, db.outbox, db.meta], async () => {
        const [localSeq, snapshotFloor] = await Promise.all([
          getMeta<number>(META_LOCAL_SEQ),
          getMeta<number>(META_SNAPSHOT_FLOOR),
        ]);
        const state = { localSeq: localSeq ?? 0, snapshotFloor: snapshotFloor ?? 0 };
        if (since === 0) {
          const [records, outbox] = await Promise.all([db.records.toArray(), db.outbox.toArray()]);
          return { ...state, records, outbox: outbox.sort((a, b) => a.queuedAt - b.queuedAt) };
        }
        const [newerRecords, newerOps] = await Promise.all([
          db.records.where('localSeq').above(since).toArray(),
          db.outbox.where('localSeq').above(since).toArray(),
        ]);
        // Each touched record with both halves: its server copy and its pending op.
        const opKeys = new Set(newerOps.map((op) => `${op.collectionId}/${op.recordId}`));
        const recordKeys = new Set(newerRecords.map((r) => `${r.collectionId}/${r.recordId}`));
        const [otherRecords, otherOps] = await Promise.all([
          db.records.bulkGet(
            newerOps.filter((op) => !recordKeys.has(`${op.collectionId}/${op.recordId}`)).map(keyOf),
          ),
          db.outbox.bulkGet(
            newerRecords.filter((r) => !opKeys.has(`${r.collectionId}/${r.recordId}`)).map(keyOf),
          ),
        ]);
        const records = [...newerRecords, ...otherRecords.filter((r) => r !== undefined)];
        const outbox = [...newerOps, ...otherOps.filter((op) => op !== undefined)];
        return { ...state, records, outbox: outbox.sort((a, b) => a.queuedAt - b.queuedAt) };
      }),
    getSnapshotPages: () => db.snapshotPages.orderBy('index').toArray(),
    readSnapshotPages: (from, limit) =>
      db.transaction('r', [db.snapshotPages], async () => ({
        pages: await db.snapshotPages
          .where('index')
          .between(from, from + limit, true, false)
          .toArray(),
        total: await db.snapshotPages.count(),
      })),
    putSnapshotPages: (pages) =>
      db.transaction('rw', [db.snapshotPages], async () => {
        await db.snapshotPages.clear();
        await db.snapshotPages.bulkPut([...pages]);
      }),

    resetServerState: (epoch, outbox) =>
      db.transaction(
        'rw',
        [db.records, db.highWater, db.cursors, db.memberships, db.meta, db.outbox, db.snapshotPages],
        async () => {
          await Promise.all([
            db.records.clear(),
            db.highWater.clear(),
            db.cursors.clear(),
            db.memberships.clear(),
            db.snapshotPages.clear(),
          ]);
          await db.outbox.clear();
          await raiseSnapshotFloor();
          const stamp = await nextLocalSeq();
          await db.outbox.bulkPut(outbox.map((op) => toRow(op, stamp)));
          await db.meta.put({ key: META_MEMBERSHIP_CURSOR, value: 0 });
          await db.meta.put({ key: META_EPOCH, value: epoch });
        },
      ),
    putOutbox: (op) => putOutboxRows([op]),
    getOutbox: (keys) => db.outbox.bulkGet(keys.map(keyOf)),
    putOutboxMany: (ops) => putOutboxRows(ops),
    unparkAll: () =>
      db.outbox
        .where('[lane+queuedAt]')
        .between([1, Dexie.minKey], [1, Dexie.maxKey])
        .modify({ parked: null, lane: 0 }),
    takeOutbox: (limit) =>
      db.outbox.where('[lane+queuedAt]').between([0, Dexie.minKey], [0, Dexie.maxKey]).limit(limit).toArray(),
    listOutbox: async () => (await db.outbox.toArray()).sort((a, b) => a.queuedAt - b.queuedAt),
    countOutbox: () => db.outbox.count(),
    confirmApplied: (applied, updatedAt) =>
      db.transaction('rw', [db.records, db.highWater, db.outbox, db.meta], async () => {
        const keys = applied.map(({ op }) => keyOf(op));
        const stamp = await nextLocalSeq();
        await db.records.bulkPut(
          applied.map(({ op, version, seq }) => ({
            collectionId: op.collectionId,
            recordId: op.recordId,
            version,
            seq,
            deleted: op.ciphertext === null,
            ciphertext: op.ciphertext,
            blobIds: op.blobIds,
            updatedAt,
            localSeq: stamp,
          })),
        );
        await db.highWater.bulkPut(
          applied.map(({ op, version }) => ({
            collectionId: op.collectionId,
            recordId: op.recordId,
            version,
          })),
        );
        const pending = await db.outbox.bulkGet(keys);
        await db.outbox.bulkDelete(keys.filter((_, i) => pending[i]?.opId === applied[i]!.op.opId));
      }),
    replaceOutbox: (sentOpId, key, next) =>
      db.transaction('rw', [db.outbox, db.meta], async () => {
        const pending = await db.outbox.get(keyOf(key));
        if (pending?.opId !== sentOpId) return false;
        if (next) await db.outbox.put(toRow(next, await nextLocalSeq()));
        else {
          await db.outbox.delete(keyOf(key));
          await raiseSnapshotFloor();
        }
        return true;
      }),

    putThumbnail: (blobId, bytes) =>
      db.transaction('rw', [db.thumbnails, db.meta], async () => {
        await writeTouches();
        const previous = await db.thumbnails.get(blobId);
        let total = ((await getMeta<number>(META_THUMBNAIL_BYTES)) ?? 0) - (previous?.bytes.length ?? 0);
        await db.thumbnails.put({ blobId, bytes, lastUsedAt: now() });
        total += bytes.length;
        // Evict least recently used first; the one just written goes last because it is the newest.
        if (total > thumbnailBudget) {
          const oldestFirst = await db.thumbnails.orderBy('lastUsedAt').toArray();
          for (const row of oldestFirst) {
            if (total <= thumbnailBudget || row.blobId === blobId) continue;
            await db.thumbnails.delete(row.blobId);
            total -= row.bytes.length;
          }
        }
        await db.meta.put({ key: META_THUMBNAIL_BYTES, value: total });
      }),
    getThumbnail: async (blobId) => {
      const row = await db.thumbnails.get(blobId);
      if (!row) return undefined;
      touchThumbnail(blobId);
      return row.bytes;
    },
    getThumbnails: async (blobIds) => {
      const rows = await db.thumbnails.bulkGet([...blobIds]);
      return rows.map((row) => {
        if (!row) return undefined;
        touchThumbnail(row.blobId);
        return row.bytes;
      });
    },
    thumbnailCacheSize: async () => (await getMeta<number>(META_THUMBNAIL_BYTES)) ?? 0,
    exportSnapshot: async () => {
      const snapshot: Record<string, unknown[]> = {};
      for (const table of db.tables) snapshot[table.name] = await table.toArray();
      return snapshot;
    },
    importSnapshot: (snapshot) =>
      db.transaction('rw', db.tables, async () => {
        for (const table of db.tables) {
          await table.clear();
          const rows = snapshot[table.name] ?? [];
          // A snapshot from the memory store has no `lane` on outbox rows: add it, or takeOutbox misses them.
          await table.bulkPut(
            table === db.outbox
              ? (rows as Array<OutboxOp & { localSeq?: number }>).map((op) => toRow(op, op.localSeq ?? 0))
              : [...rows],
          );
        }
      }),
    close: () => {
      if (pendingTouches.size === 0) db.close();
      else void flushTouches().finally(() => db.close());
    },
    destroy: () => {
      clearTimeout(touchTimer);
      pendingTouches.clear();
      return db.delete();
    },
  };
};
