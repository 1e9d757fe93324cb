import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxOp, StoredRecord } from '../sync/sync-store';
import { openFileStore, removeFileStore } from './file-store';

const C = '00000000-0000-4000-8000-00000000000c';
const rid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const record = (n: number, version = 1): StoredRecord => ({
  collectionId: C,
  recordId: rid(n),
  version,
  seq: n,
  deleted: false,
  ciphertext: new Uint8Array([n, version, 200]),
  blobIds: [],
  updatedAt: 0,
});
const op = (n: number): OutboxOp => ({
  collectionId: C,
  recordId: rid(n),
  opId: rid(1000 + n),
  baseVersion: 0,
  ciphertext: new Uint8Array([9, n]),
  blobIds: [],
  queuedAt: n,
  parked: null,
});
const keyOf = (n: number) => ({ collectionId: C, recordId: rid(n) });

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'halyon-file-store-'));
  path = join(dir, 'store.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** What a process that died now would leave: the files as they are, the store never closed. */
const contentsAfterReopen = async () => {
  const reopened = await openFileStore(path);
  const { store } = reopened;
  const contents = {
    records: (await store.listRecords()).map((r) => [r.recordId, r.version, [...r.ciphertext!]]),
    outbox: (await store.listOutbox()).map((o) => o.opId),
    cursors: [...(await store.getCursors())],
    epoch: await store.getServerEpoch(),
  };
  await reopened.close();
  return contents;
};

describe('file store', () => {
  it('appends each save to the journal and leaves the snapshot as it was', async () => {
    const files = await openFileStore(path);
    await files.store.setServerEpoch(rid(55));
    await files.save(); // the first save writes a snapshot
    const snapshot = await readFile(path, 'utf8');
    for (let n = 1; n <= 20; n++) {
      await files.store.applyRemote([record(n)], { [C]: n });
      await files.save();
    }
    await files.store.putOutbox(op(3));
    await files.save();
    expect(await readFile(path, 'utf8')).toBe(snapshot);
    const journal = (await readFile(`${path}.journal`, 'utf8')).trimEnd().split('\n');
    expect(journal).toHaveLength(1 + 21); // the header, then one line per save that changed something
    // Ciphertext only, as in the snapshot: the journal holds the rows' bytes base64-encoded, no plaintext fields.
    expect(journal[1]).toContain('$bytes');

    const after = await contentsAfterReopen();
    expect(after.records).toHaveLength(20);
    expect(after.records[19]).toEqual([rid(20), 1, [20, 1, 200]]);
    expect(after.outbox).toEqual([rid(1003)]);
    expect(after.cursors).toEqual([[C, 20]]);
    expect(after.epoch).toBe(rid(55));
    await files.close();
  });

  it('replays removals and replaced rows in order', async () => {
    const files = await openFileStore(path);
    await files.store.applyRemote([record(1), record(2), record(3)], { [C]: 3 });
    await files.store.putOutbox(op(1));
    await files.save();
    await files.store.applyRemote([record(2, 5)], { [C]: 4 });
    await files.store.dropRecords(C, [rid(3)]);
    await files.store.confirmApplied([{ op: op(1), version: 2, seq: 9 }], 0);
    await files.save();
    const after = await contentsAfterReopen();
    expect(after.records).toEqual([
      [rid(1), 2, [9, 1]],
      [rid(2), 5, [2, 5, 200]],
    ]);
    expect(after.outbox).toEqual([]);
    expect(after.cursors).toEqual([[C, 4]]);
    await files.close();
  });

  it('keeps every completed save when the last append was cut off, and starts clean', async () => {
    const files = await openFileStore(path);
    await files.save();
    await files.store.applyRemote([record(1)], { [C]: 1 });
    await files.save();
    await files.store.applyRemote([record(2)], { [C]: 2 });
    await files.save();
    const journal = await readFile(`${path}.journal`, 'utf8');
    // A crash mid-append: part of a third line, without its end.
    await appendFile(`${path}.journal`, journal.split('\n')[2]!.slice(0, 30));
    const reopened = await openFileStore(path);
    expect((await reopened.store.listRecords()).map((r) => r.recordId)).toEqual([rid(1), rid(2)]);
    await reopened.store.applyRemote([record(4)], { [C]: 4 });
    await reopened.save(); // rewrites the snapshot rather than append after the torn line
    expect(await readFile(`${path}.journal`, 'utf8')).not.toContain(journal.split('\n')[2]!.slice(0, 30));
    expect((await contentsAfterReopen()).records.map(([id]) => id)).toEqual([rid(1), rid(2), rid(4)]);
    await reopened.close();
    await files.close();
  });

  it('ignores a journal that an older snapshot left (a crash between the snapshot and the fresh journal)', async () => {
    const files = await openFileStore(path, { compactAboveBytes: 0 });
    await files.save();
    await files.store.applyRemote([record(1)], { [C]: 1 });
    await files.save(); // appended: the journal is then larger than the limit
    const oldJournal = await readFile(`${path}.journal`, 'utf8');
    await files.store.applyRemote([record(1, 2)], { [C]: 2 });
    await files.save(); // folded into a new snapshot with a fresh journal
    expect((await readFile(`${path}.journal`, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    // The crash: the new snapshot is in place, the old journal was never replaced.
    await writeFile(`${path}.journal`, oldJournal);
    expect((await contentsAfterReopen()).records).toEqual([[rid(1), 2, [1, 2, 200]]]);
    await files.close();
  });

  it('folds the journal into the snapshot on close, and once it outgrows the snapshot', async () => {
    const files = await openFileStore(path, { compactAboveBytes: 2000 });
    await files.save();
    let compactions = 0;
    let last = (await readFile(path, 'utf8')).length;
    for (let n = 1; n <= 40; n++) {
      await files.store.applyRemote([record(n)], { [C]: n });
      await files.save();
      const now = (await readFile(path, 'utf8')).length;
      if (now !== last) compactions++;
      last = now;
    }
    expect(compactions).toBeGreaterThan(0);
    expect(compactions).toBeLessThan(20);
    await files.close();
    expect((await readFile(`${path}.journal`, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    expect((await contentsAfterReopen()).records).toHaveLength(40);
  });

  it('opens a store written whole by an earlier version (no journal, no generation)', async () => {
    await writeFile(
      path,
      JSON.stringify({
        records: [{ ...record(7), ciphertext: { $bytes: 'BwHI' }, localSeq: 1 }],
        cursors: [{ collectionId: C, seq: 7 }],
        meta: [{ key: 'serverEpoch', value: rid(9) }],
      }),
    );
    const files = await openFileStore(path);
    expect((await files.store.getRecords([keyOf(7)]))[0]?.ciphertext).toEqual(new Uint8Array([7, 1, 200]));
    await files.store.applyRemote([record(8)], { [C]: 8 });
    await files.save();
    const after = await contentsAfterReopen();
    expect(after.records.map(([id]) => id)).toEqual([rid(7), rid(8)]);
    expect(after.epoch).toBe(rid(9));
    await files.close();
  });

  it('removeFileStore deletes the snapshot and the journal', async () => {
    const files = await openFileStore(path);
    await files.store.applyRemote([record(1)], { [C]: 1 });
    await files.save();
    await files.save();
    await files.close();
    await removeFileStore(path);
    await expect(stat(path)).rejects.toThrow();
    await expect(stat(`${path}.journal`)).rejects.toThrow();
    expect((await contentsAfterReopen()).records).toEqual([]);
  });
});
