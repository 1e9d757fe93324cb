import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import type { MasterKey } from '../crypto';
import type { LocalStore } from '../store/local-store';
import { openLocalStore } from '../store/local-store';
import { openMemoryLocalStore } from '../store/memory-store';
import { openMemoryStore } from '../store/test-store';
import { encodeHlc } from './hlc';
import {
  openSnapshot,
  SNAPSHOT_PAGES_PER_READ,
  type SnapshotPageReader,
  sealSnapshot,
  snapshotAssociatedData,
} from './snapshot';
import { createSnapshotCipher } from './snapshot-cipher';
import type { SnapshotPage } from './sync-store';
import { createTestDevice, type TestDevice, testUuid } from './testing/device';
import { createMemoryServer } from './testing/memory-server';

const LIBRARY = testUuid(1, 'c0');
const tagKey = (n: number) => ({ collectionId: LIBRARY, recordId: testUuid(n) });
const masterKey = (fill: number) => new Uint8Array(32).fill(fill) as MasterKey;

/** A server, a phone whose store holds `tags` synced tags, and its snapshot written. */
const setup = async (options: { tags?: number; store?: LocalStore; packing?: null } = {}) => {
  const server = createMemoryServer();
  server.createCollection(LIBRARY);
  const snapshotCipher = await createSnapshotCipher(masterKey(7));
  const store = options.store ?? (await openMemoryStore());
  const phone = await createTestDevice({
    nodeId: 'phone',
    transport: server.transport,
    store,
    snapshotCipher,
    ...(options.packing === null && { packing: null }),
  });
  for (let n = 1; n <= (options.tags ?? 20); n++) await phone.createTag(tagKey(n), `tag ${n}`);
  await phone.syncOrThrow();
  await phone.engine.flushSnapshot();
  /** The phone restarted on the same store: the warm start under test. */
  const restart = (cipher = snapshotCipher) =>
    createTestDevice({ nodeId: 'phone', transport: server.transport, store, snapshotCipher: cipher });
  /** What a warm start without any snapshot shows: every record decrypted from the store. */
  const fullLoad = async () =>
    (await createTestDevice({ nodeId: 'phone', transport: server.transport, store })).docs;
  return { server, store, phone, restart, fullLoad, snapshotCipher };
};

const expectShowsAsFullLoad = async (device: TestDevice, fullLoad: () => Promise<Map<string, unknown>>) => {
  expect(device.docs).toEqual(await fullLoad());
};

describe('local snapshot', () => {
  it('warm-starts from the snapshot alone, showing exactly what decrypting every record shows', async () => {
    const { restart, fullLoad } = await setup();
    const warm = await restart();
    expect(warm.engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 0 });
    expect(warm.docs.size).toBe(20);
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it('opens only the records pulled after the snapshot', async () => {
    const { server, restart, fullLoad } = await setup();
    const laptop = await createTestDevice({ nodeId: 'laptop', transport: server.transport });
    await laptop.syncOrThrow();
    await laptop.edit(tagKey(3), { name: 'renamed on the laptop' });
    await laptop.createTag(tagKey(100), 'new on the laptop');
    await laptop.syncOrThrow();
    const beforeRestart = await restart();
    await beforeRestart.syncOrThrow(); // pulled, not yet in a snapshot (the debounce has not fired)

    const warm = await restart();
    expect(warm.engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 2 });
    expect(warm.doc(tagKey(3))?.fields.name).toBe('renamed on the laptop');
    expect(warm.doc(tagKey(100))?.fields.name).toBe('new on the laptop');
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it('shows local edits still waiting in the outbox, and deletes made after the snapshot', async () => {
    const { restart, fullLoad, store } = await setup();
    const offline = await restart();
    await offline.edit(tagKey(1), { color: 'red' });
    await offline.deleteForever(tagKey(2));
    await offline.createTag(tagKey(200), 'made offline');
    expect(await store.countOutbox()).toBe(3);

    const warm = await restart();
    expect(warm.engine.lastLoad()?.snapshot).toBe('used');
    expect(warm.doc(tagKey(1))?.fields.color).toBe('red');
    expect(warm.doc(tagKey(2))).toBeUndefined();
    expect(warm.doc(tagKey(200))?.fields.name).toBe('made offline');
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it('follows pushes confirmed after the snapshot without opening them again once it is rewritten', async () => {
    const { restart, fullLoad } = await setup();
    const device = await restart();
    await device.edit(tagKey(5), { name: 'pushed later' });
    await device.syncOrThrow();
    await device.engine.close(); // on lock: the snapshot is brought up to date
    const warm = await restart();
    expect(warm.engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 0 });
    expect(warm.doc(tagKey(5))?.fields.name).toBe('pushed later');
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it('rewrites the snapshot after a sync only once many records changed, and on close whatever changed', async () => {
    const { server, store, snapshotCipher } = await setup();
    const generation = async () => (await store.getSnapshotPages())[0]?.generation;
    const written = await generation();
    const device = await createTestDevice({
      nodeId: 'phone',
      transport: server.transport,
      store,
      snapshotCipher,
      snapshotDelayMs: 0,
    });
    const laptop = await createTestDevice({ nodeId: 'laptop', transport: server.transport });
    await laptop.syncOrThrow();
    await laptop.edit(tagKey(1), { name: 'one small change' });
    await laptop.syncOrThrow();
    await device.syncOrThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await generation()).toBe(written);

    for (let n = 1000; n < 2000; n++) await laptop.createTag(tagKey(n), `bulk ${n}`);
    await laptop.syncOrThrow();
    await device.syncOrThrow();
    await vi.waitFor(async () => expect(await generation()).not.toBe(written));

    const rewritten = await generation();
    await laptop.edit(tagKey(2), { name: 'another small change' });
    await laptop.syncOrThrow();
    await device.syncOrThrow();
    await device.engine.close();
    expect(await generation()).not.toBe(rewritten);
  });

  const corruptions: ReadonlyArray<[string, (pages: readonly SnapshotPage[]) => SnapshotPage[]]> = [
    [
      'a flipped bit',
      (pages) =>
        pages.map((page, i) => {
          if (i !== pages.length - 1) return page;
          const sealed = page.sealed.slice();
          sealed[sealed.length - 20]! ^= 1;
          return { ...page, sealed };
        }),
    ],
    ['a dropped page', (pages) => pages.slice(0, -1)],
    ['pages in another order', (pages) => pages.map((page, i) => ({ ...page, index: pages.length - 1 - i }))],
    ['another generation', (pages) => pages.map((page) => ({ ...page, generation: '00'.repeat(16) }))],
  ];

  it.each(corruptions)(
    'ignores a snapshot with %s, shows every record, and rebuilds it',
    async (_, corrupt) => {
      const { store, restart, fullLoad } = await setup({ tags: 30 });
      const pages = await store.getSnapshotPages();
      expect(pages.length).toBeGreaterThan(1);
      await store.putSnapshotPages(corrupt(pages));

      const warm = await restart();
      expect(warm.engine.lastLoad()?.snapshot).toBe('ignored');
      await expectShowsAsFullLoad(warm, fullLoad);
      await warm.engine.flushSnapshot();
      expect((await restart()).engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 0 });
    },
  );

  it('ignores pages mixed from two snapshots', async () => {
    const { store, phone, restart, fullLoad } = await setup();
    const older = await store.getSnapshotPages();
    await phone.edit(tagKey(1), { name: 'newer' });
    await phone.engine.flushSnapshot();
    const newer = await store.getSnapshotPages();
    await store.putSnapshotPages([newer[0]!, ...older.slice(1)]);
    const warm = await restart();
    expect(warm.engine.lastLoad()?.snapshot).toBe('ignored');
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it("ignores another account's snapshot", async () => {
    const { restart, fullLoad } = await setup();
    const warm = await restart(await createSnapshotCipher(masterKey(8)));
    expect(warm.engine.lastLoad()?.snapshot).toBe('ignored');
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it('ignores a snapshot whose documents have other schema versions than this client decodes to', async () => {
    const { server, store, snapshotCipher, fullLoad } = await setup();
    const upgraded = await createTestDevice({
      nodeId: 'phone',
      transport: server.transport,
      store,
      snapshotCipher,
      schema: 'a newer client',
    });
    expect(upgraded.engine.lastLoad()?.snapshot).toBe('ignored');
    await expectShowsAsFullLoad(upgraded, fullLoad);
  });

  it('reads fields packed positionally as the objects they were', async () => {
    const { store, restart, fullLoad } = await setup();
    const warm = await restart();
    expect(warm.engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 0 });
    // Same keys in the same order as decrypting every record gives (toEqual alone would not see the order).
    const inOrder = (docs: Map<string, unknown>) =>
      JSON.stringify([...docs].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(inOrder(warm.docs)).toBe(inOrder(await fullLoad()));
    const cipher = await createSnapshotCipher(masterKey(7));
    const pages = await store.getSnapshotPages();
    const body = await cipher.open(
      snapshotAssociatedData(pages[1]!.generation, 1, pages.length),
      pages[1]!.sealed,
    );
    expect(new TextDecoder().decode(body)).not.toContain('"name"'); // packed: no field names
  });

  it('ignores a format-1 snapshot (written before fields were packed), shows every record, and rebuilds it', async () => {
    const { store, restart, fullLoad, snapshotCipher } = await setup({ packing: null });
    // Format 1 was format 2 with no field packed and no packing named in the header.
    const pages = await store.getSnapshotPages();
    const ad = snapshotAssociatedData(pages[0]!.generation, 0, pages.length);
    const header = JSON.parse(new TextDecoder().decode(await snapshotCipher.open(ad, pages[0]!.sealed)));
    expect(header).toMatchObject({ format: 2, packing: null });
    const { packing: _, ...v1 } = { ...header, format: 1 };
    const sealed = await snapshotCipher.seal(ad, new TextEncoder().encode(JSON.stringify(v1)));
    await store.putSnapshotPages([{ ...pages[0]!, sealed }, ...pages.slice(1)]);

    const warm = await restart();
    expect(warm.engine.lastLoad()).toMatchObject({ snapshot: 'ignored', recordsOpened: 20 });
    await expectShowsAsFullLoad(warm, fullLoad);
    await warm.engine.flushSnapshot();
    expect((await restart()).engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 0 });
  });

  it('ignores a snapshot packed under other layouts', async () => {
    const { restart, fullLoad } = await setup({ packing: null });
    const warm = await restart(); // packs with the library's layouts; the snapshot names none
    expect(warm.engine.lastLoad()?.snapshot).toBe('ignored');
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it('ignores a snapshot taken before records were removed from the store', async () => {
    const { store, restart, fullLoad } = await setup();
    await store.dropRecords(LIBRARY, [tagKey(4).recordId]); // as reconcile does for a purged record
    const warm = await restart();
    expect(warm.engine.lastLoad()?.snapshot).toBe('ignored');
    expect(warm.doc(tagKey(4))).toBeUndefined();
    await expectShowsAsFullLoad(warm, fullLoad);
  });

  it('keeps nothing readable in the store: the pages are ciphertext', async () => {
    const { store } = await setup();
    const pages = await store.getSnapshotPages();
    const text = new TextDecoder().decode(new Uint8Array(pages.flatMap((page) => [...page.sealed])));
    expect(text).not.toContain('tag 1');
    expect(text).not.toContain('"k"');
  });

  it('works the same on the Dexie store and through the CLI file format (export and import)', async () => {
    const dexie = await openLocalStore(`snapshot-${Date.now()}`, { indexedDB, IDBKeyRange });
    const { restart, fullLoad } = await setup({ store: dexie });
    const warm = await restart();
    expect(warm.engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 0 });
    await expectShowsAsFullLoad(warm, fullLoad);

    const copy = openMemoryLocalStore('copy');
    await copy.importSnapshot(await dexie.exportSnapshot());
    const fromFile = await createTestDevice({
      nodeId: 'phone',
      transport: createMemoryServer().transport,
      store: copy,
      snapshotCipher: await createSnapshotCipher(masterKey(7)),
    });
    expect(fromFile.engine.lastLoad()).toMatchObject({ snapshot: 'used', recordsOpened: 0 });
    expect(fromFile.docs).toEqual(warm.docs);
    await dexie.destroy();
  });
});

describe('reading the snapshot range by range', () => {
  const contents = {
    localSeq: 7,
    schema: 'test',
    records: Array.from({ length: 120 }, (_, n) => ({
      key: tagKey(n + 1),
      doc: {
        kind: 'tag',
        schemaVersion: 1,
        fields: { name: `tag ${n}`, color: null },
        stamps: {
          name: encodeHlc({ wallMs: 10, counter: 0, nodeId: 'phone' }),
          color: encodeHlc({ wallMs: 11, counter: 0, nodeId: 'phone' }),
        },
      },
      version: n + 1,
      opId: null,
    })),
  };
  /** A snapshot of many small pages (several store reads), and a reader over them. */
  const sealed = async () => {
    const cipher = await createSnapshotCipher(masterKey(7));
    const pages = await sealSnapshot(cipher, contents, { pageChars: 200 });
    expect(pages.length).toBeGreaterThan(3 * SNAPSHOT_PAGES_PER_READ);
    return { cipher, pages };
  };
  const readerOf =
    (pages: readonly SnapshotPage[]): SnapshotPageReader =>
    async (from, limit) => ({
      pages: pages.filter((page) => page.index >= from && page.index < from + limit),
      total: pages.length,
    });

  it('opens every record across the reads, in order', async () => {
    const { cipher, pages } = await sealed();
    const reads: number[] = [];
    const reader = readerOf(pages);
    const opened = await openSnapshot(cipher, (from, limit) => {
      reads.push(from);
      return reader(from, limit);
    });
    expect(opened.snapshot?.records).toEqual(contents.records);
    expect(reads).toEqual(
      Array.from(
        { length: Math.ceil(pages.length / SNAPSHOT_PAGES_PER_READ) },
        (_, i) => i * SNAPSHOT_PAGES_PER_READ,
      ),
    );
  });

  const later = SNAPSHOT_PAGES_PER_READ + 3; // a page in the second read
  const corruptions: Array<[string, (pages: SnapshotPage[]) => SnapshotPage[]]> = [
    ['a page dropped in a later read', (pages) => pages.filter((page) => page.index !== later)],
    [
      'pages swapped across reads',
      (pages) =>
        pages.map((page) =>
          page.index === 1
            ? { ...pages[later]!, index: 1 }
            : page.index === later
              ? { ...pages[1]!, index: later }
              : page,
        ),
    ],
    [
      'a flipped bit in a later read',
      (pages) =>
        pages.map((page) =>
          page.index === later
            ? { ...page, sealed: page.sealed.map((b, i) => (i === 20 ? b ^ 1 : b)) }
            : page,
        ),
    ],
  ];
  it.each(corruptions)('refuses a snapshot with %s', async (_, corrupt) => {
    const { cipher, pages } = await sealed();
    expect((await openSnapshot(cipher, readerOf(corrupt([...pages])))).snapshot).toBeUndefined();
  });

  it('refuses a snapshot rewritten between two reads', async () => {
    const { cipher, pages } = await sealed();
    const newer = await sealSnapshot(cipher, { ...contents, localSeq: 8 }, { pageChars: 200 });
    const reader = async (from: number, limit: number) => readerOf(from === 0 ? pages : newer)(from, limit);
    expect((await openSnapshot(cipher, reader)).snapshot).toBeUndefined();
  });

  it('tells a missing snapshot from a refused one', async () => {
    const { cipher } = await sealed();
    expect(await openSnapshot(cipher, readerOf([]))).toEqual({ found: false, snapshot: undefined });
  });
});
