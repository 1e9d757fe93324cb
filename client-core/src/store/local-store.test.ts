import { Dexie } from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import type { OutboxOp, StoredRecord } from '../sync/sync-store';
import { openLocalStore } from './local-store';
import { openMemoryLocalStore } from './memory-store';
import { openMemoryStore } from './test-store';

const C = '00000000-0000-4000-8000-00000000000c';
const rid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

const record = (n: number, version = 1): StoredRecord => ({
  collectionId: C,
  recordId: rid(n),
  version,
  seq: n,
  deleted: false,
  ciphertext: new Uint8Array([n, version]),
  blobIds: [],
  updatedAt: 0,
});

const op = (n: number, opId: string, queuedAt = n): OutboxOp => ({
  collectionId: C,
  recordId: rid(n),
  opId,
  baseVersion: 0,
  ciphertext: new Uint8Array([9]),
  blobIds: [],
  queuedAt,
  parked: null,
});

describe('local store', () => {
  it('keeps records, cursors, high-water marks and the outbox across a reopen', async () => {
    const name = `reopen-${Date.now()}`;
    const first = await openLocalStore(name, { indexedDB, IDBKeyRange });
    await first.applyRemote([record(1), record(2, 3)], { [C]: 2 });
    await first.putOutbox(op(3, rid(100)));
    await first.setServerEpoch(rid(55));
    first.close();

    const second = await openLocalStore(name, { indexedDB, IDBKeyRange });
    expect(await second.getCursors()).toEqual(new Map([[C, 2]]));
    expect(await second.getHighWater([{ collectionId: C, recordId: rid(2) }])).toEqual([3]);
    expect((await second.getRecords([{ collectionId: C, recordId: rid(1) }]))[0]?.ciphertext).toEqual(
      new Uint8Array([1, 1]),
    );
    expect((await second.listOutbox()).map((o) => o.opId)).toEqual([rid(100)]);
    expect(await second.getServerEpoch()).toBe(rid(55));
    await second.destroy();
  });

  it('writes thumbnail use times in one batch a moment after the reads', async () => {
    const name = `touches-${Date.now()}`;
    let clock = 0;
    const store = await openLocalStore(name, {
      indexedDB,
      IDBKeyRange,
      now: () => ++clock,
      thumbnailTouchFlushMs: 1,
    });
    await store.putThumbnail('a', new Uint8Array(100));
    await store.getThumbnail('a');
    const raw = new Dexie(name, { indexedDB, IDBKeyRange });
    await raw.open();
    await vi.waitFor(async () => expect((await raw.table('thumbnails').get('a'))?.lastUsedAt).toBe(2));
    raw.close();
    await store.destroy();
  });

  it('writes waiting thumbnail use times on close, so the least recently used is still evicted after a reopen', async () => {
    const name = `touches-close-${Date.now()}`;
    let clock = 0;
    const options = { indexedDB, IDBKeyRange, thumbnailCacheBytes: 250, now: () => ++clock };
    const first = await openLocalStore(name, { ...options, thumbnailTouchFlushMs: 60_000 });
    await first.putThumbnail('a', new Uint8Array(100));
    await first.putThumbnail('b', new Uint8Array(100));
    await first.getThumbnail('a');
    first.close();

    const second = await openLocalStore(name, options);
    await second.putThumbnail('c', new Uint8Array(100));
    expect(await second.getThumbnail('b')).toBeUndefined();
    expect(await second.getThumbnail('a')).toHaveLength(100);
    await second.destroy();
  });

  it('opens a store written with schema version 1 and keeps its records and outbox', async () => {
    const name = `v1-${Date.now()}`;
    const v1 = new Dexie(name, { indexedDB, IDBKeyRange });
    v1.version(1).stores({
      records: '[collectionId+recordId], collectionId',
      outbox: '[collectionId+recordId], [lane+queuedAt]',
      highWater: '[collectionId+recordId]',
      cursors: 'collectionId',
      memberships: 'collectionId',
      meta: 'key',
      thumbnails: 'blobId, lastUsedAt',
    });
    await v1.table('records').put(record(1));
    await v1.table('outbox').put({ ...op(2, rid(400)), lane: 0 });
    v1.close();

    const store = await openLocalStore(name, { indexedDB, IDBKeyRange });
    const everything = await store.readChangesSince(0);
    expect(everything.records.map((r) => r.recordId)).toEqual([rid(1)]);
    expect(everything.outbox.map((o) => o.opId)).toEqual([rid(400)]);
    expect((await store.takeOutbox(10)).map((o) => o.opId)).toEqual([rid(400)]);
    await store.applyRemote([record(3)], {});
    const { localSeq } = await store.readChangesSince(0);
    await store.applyRemote([record(4)], {});
    expect((await store.readChangesSince(localSeq)).records.map((r) => r.recordId)).toEqual([rid(4)]);
    await store.destroy();
  });
});

/** The same contract for both implementations: Dexie (the browser's, here on fake-indexeddb) and plain memory. */
describe.each([
  ['Dexie', (options: { thumbnailCacheBytes?: number; now?: () => number } = {}) => openMemoryStore(options)],
  [
    'memory',
    async (options: { thumbnailCacheBytes?: number; now?: () => number } = {}) =>
      openMemoryLocalStore('memory-test', options),
  ],
] as const)('local store contract (%s)', (_name, openMemoryStore) => {
  it('keeps the high-water mark of a record the server purged', async () => {
    const store = await openMemoryStore();
    await store.applyRemote([record(1, 4)], { [C]: 1 });
    await store.dropRecords(C, [rid(1)]);
    expect(await store.getRecords([{ collectionId: C, recordId: rid(1) }])).toEqual([undefined]);
    expect(await store.getHighWater([{ collectionId: C, recordId: rid(1) }])).toEqual([4]);
  });

  it('confirms an applied op as the server record but keeps a newer local edit that replaced it', async () => {
    const store = await openMemoryStore();
    const sent = op(1, rid(101));
    await store.putOutbox(sent);
    await store.putOutbox({ ...op(1, rid(102)), ciphertext: new Uint8Array([10]) });
    await store.confirmApplied([{ op: sent, version: 1, seq: 7 }], 123);
    expect((await store.getRecords([sent]))[0]).toMatchObject({
      version: 1,
      seq: 7,
      ciphertext: new Uint8Array([9]),
    });
    expect((await store.listOutbox()).map((o) => o.opId)).toEqual([rid(102)]);

    await store.confirmApplied([{ op: { ...op(1, rid(102)), baseVersion: 1 }, version: 2, seq: 8 }], 124);
    expect(await store.countOutbox()).toBe(0);
    expect(await store.getHighWater([sent])).toEqual([2]);
  });

  it('hands out unparked ops oldest first', async () => {
    const store = await openMemoryStore();
    await store.putOutbox(op(1, rid(201), 30));
    await store.putOutbox(op(2, rid(202), 10));
    await store.putOutbox({ ...op(3, rid(203), 20), parked: { code: 'forbidden', message: 'no' } });
    expect((await store.takeOutbox(10)).map((o) => o.opId)).toEqual([rid(202), rid(201)]);
    expect((await store.takeOutbox(1)).map((o) => o.opId)).toEqual([rid(202)]);
  });

  it('lists the reconcile manifest in record-id order', async () => {
    const store = await openMemoryStore();
    await store.applyRemote([record(3, 2), record(1), record(2, 5)], {});
    expect(await store.listManifest(C)).toEqual([
      { recordId: rid(1), version: 1 },
      { recordId: rid(2), version: 5 },
      { recordId: rid(3), version: 2 },
    ]);
  });

  it('bounds the thumbnail cache, evicting the least recently used first', async () => {
    let clock = 0;
    const store = await openMemoryStore({ thumbnailCacheBytes: 250, now: () => ++clock });
    await store.putThumbnail('a', new Uint8Array(100));
    await store.putThumbnail('b', new Uint8Array(100));
    await store.getThumbnail('a');
    await store.putThumbnail('c', new Uint8Array(100));
    expect(await store.getThumbnail('b')).toBeUndefined();
    expect(await store.getThumbnail('a')).toHaveLength(100);
    expect(await store.getThumbnail('c')).toHaveLength(100);
    expect(await store.thumbnailCacheSize()).toBe(200);
  });

  it('reads several thumbnails in the order asked, undefined where not cached, each read counting as a use', async () => {
    let clock = 0;
    const store = await openMemoryStore({ thumbnailCacheBytes: 250, now: () => ++clock });
    await store.putThumbnail('a', new Uint8Array(100).fill(1));
    await store.putThumbnail('b', new Uint8Array(100).fill(2));
    const read = await store.getThumbnails(['b', 'missing', 'a']);
    expect(read.map((bytes) => bytes?.[0])).toEqual([2, undefined, 1]);
    // 'a' was used last, so 'b' is the least recently used when 'c' needs room.
    await store.putThumbnail('c', new Uint8Array(100));
    expect(await store.getThumbnails(['a', 'b', 'c'])).toEqual([
      expect.any(Uint8Array),
      undefined,
      expect.any(Uint8Array),
    ]);
  });

  it('stores tens of thousands of records in bulk pages', async () => {
    const store = await openMemoryStore();
    const records = Array.from({ length: 20_000 }, (_, i) => record(i + 1));
    for (let i = 0; i < records.length; i += 5000) {
      await store.applyRemote(records.slice(i, i + 5000), { [C]: i + 5000 });
    }
    expect((await store.listRecords()).length).toBe(20_000);
    expect(await store.getCursors()).toEqual(new Map([[C, 20_000]]));
  });

  it('reads the records touched after a point of its change counter, with both their rows', async () => {
    const store = await openMemoryStore();
    await store.applyRemote([record(1), record(2)], {});
    await store.putOutbox(op(2, rid(500)));
    const before = await store.readChangesSince(0);
    expect(before.records).toHaveLength(2);
    expect(before.outbox).toHaveLength(1);

    await store.applyRemote([record(1, 2)], {});
    await store.putOutbox(op(3, rid(501)));
    const after = await store.readChangesSince(before.localSeq);
    expect(after.localSeq).toBeGreaterThan(before.localSeq);
    expect(after.records.map((r) => [r.recordId, r.version])).toEqual([[rid(1), 2]]);
    expect(after.outbox.map((o) => o.opId)).toEqual([rid(501)]);

    // A record whose op alone changed comes with its server copy.
    await store.putOutbox(op(2, rid(502)));
    const opOnly = await store.readChangesSince(after.localSeq);
    expect(opOnly.records.map((r) => r.recordId)).toEqual([rid(2)]);
    expect(opOnly.outbox.map((o) => o.opId)).toEqual([rid(502)]);
    expect(opOnly.snapshotFloor).toBeLessThanOrEqual(before.localSeq);
  });

  it('raises the snapshot floor when rows are removed', async () => {
    const store = await openMemoryStore();
    await store.applyRemote([record(1)], {});
    const { localSeq } = await store.readChangesSince(0);
    await store.dropRecords(C, [rid(1)]);
    expect((await store.readChangesSince(localSeq)).snapshotFloor).toBeGreaterThan(localSeq);
  });

  it('replaces the snapshot pages whole', async () => {
    const store = await openMemoryStore();
    const page = (index: number, generation: string) => ({
      index,
      generation,
      sealed: new Uint8Array([index]),
    });
    await store.putSnapshotPages([page(1, 'a'), page(0, 'a'), page(2, 'a')]);
    await store.putSnapshotPages([page(1, 'b'), page(0, 'b')]);
    expect(await store.getSnapshotPages()).toEqual([page(0, 'b'), page(1, 'b')]);
  });

  it('reads snapshot pages range by range, in index order, with their count', async () => {
    const store = await openMemoryStore();
    const page = (index: number) => ({ index, generation: 'g', sealed: new Uint8Array([index]) });
    await store.putSnapshotPages([page(3), page(0), page(4), page(1), page(2)]);
    expect(await store.readSnapshotPages(0, 2)).toEqual({ pages: [page(0), page(1)], total: 5 });
    expect(await store.readSnapshotPages(2, 2)).toEqual({ pages: [page(2), page(3)], total: 5 });
    expect(await store.readSnapshotPages(4, 2)).toEqual({ pages: [page(4)], total: 5 });
    await store.putSnapshotPages([]);
    expect(await store.readSnapshotPages(0, 2)).toEqual({ pages: [], total: 0 });
  });

  it('round-trips through a snapshot, as the CLI persists it', async () => {
    const store = await openMemoryStore();
    await store.applyRemote([record(1, 2)], { [C]: 1 });
    await store.putOutbox(op(2, rid(300)));
    await store.setServerEpoch(rid(56));
    const copy = await openMemoryStore();
    await copy.importSnapshot(await store.exportSnapshot());
    expect(await copy.listRecords()).toEqual(await store.listRecords());
    expect((await copy.takeOutbox(10)).map((o) => o.opId)).toEqual([rid(300)]);
    expect(await copy.getHighWater([{ collectionId: C, recordId: rid(1) }])).toEqual([2]);
    expect(await copy.getServerEpoch()).toBe(rid(56));
    const changes = await store.readChangesSince(0);
    const copied = await copy.readChangesSince(0);
    expect(copied.localSeq).toBe(changes.localSeq);
    expect((await copy.readChangesSince(changes.localSeq - 1)).records).toHaveLength(
      (await store.readChangesSince(changes.localSeq - 1)).records.length,
    );
  });
});
