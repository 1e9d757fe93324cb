import { type LocalStore, openMemoryLocalStore } from '@halyon/client-core';
import { describe, expect, it, vi } from 'vitest';
import { withSnapshotReadAhead } from './snapshot-read-ahead';

const page = (index: number, generation = 'g') => ({ index, generation, sealed: new Uint8Array([index]) });

const storeWithPages = async (count: number): Promise<LocalStore> => {
  const store = openMemoryLocalStore('read-ahead');
  await store.putSnapshotPages(Array.from({ length: count }, (_, i) => page(i)));
  return store;
};

describe('snapshot read ahead', () => {
  it('answers the range reads of a warm start from one read made ahead, then reads the store again', async () => {
    const store = await storeWithPages(5);
    const getAll = vi.spyOn(store, 'getSnapshotPages');
    const readRange = vi.spyOn(store, 'readSnapshotPages');
    const ahead = withSnapshotReadAhead(store);
    expect(getAll).toHaveBeenCalledTimes(1);
    // Written after the read ahead: the ranges still come from the one read, so they are of one snapshot.
    await store.putSnapshotPages([page(0, 'h')]);

    expect(await ahead.readSnapshotPages(0, 2)).toEqual({ pages: [page(0), page(1)], total: 5 });
    expect(await ahead.readSnapshotPages(2, 2)).toEqual({ pages: [page(2), page(3)], total: 5 });
    expect(await ahead.readSnapshotPages(4, 2)).toEqual({ pages: [page(4)], total: 5 });
    expect(readRange).not.toHaveBeenCalled();

    // Used once: the next warm start reads the store.
    expect(await ahead.readSnapshotPages(0, 2)).toEqual({ pages: [page(0, 'h')], total: 1 });
    expect(readRange).toHaveBeenCalledTimes(1);
  });

  it('reads the store when the read ahead failed', async () => {
    const store = await storeWithPages(3);
    vi.spyOn(store, 'getSnapshotPages').mockRejectedValueOnce(new Error('IndexedDB went away'));
    const ahead = withSnapshotReadAhead(store);
    expect(await ahead.readSnapshotPages(0, 16)).toEqual({ pages: [page(0), page(1), page(2)], total: 3 });
  });
});
