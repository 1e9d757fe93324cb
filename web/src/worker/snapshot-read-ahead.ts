/**
 * @module The local store with its sealed snapshot pages read ahead, while the lock screen waits for the
 * password. See: [Note: Warm start read ahead]
 */
import type { LocalStore } from '@halyon/client-core';

/**
 * Starts reading every snapshot page now (one read; ciphertext, as on disk) and answers the warm start's range
 * reads from it until its last range, then reads the store as usual. A failed read-ahead falls back to the store.
 */
export const withSnapshotReadAhead = (store: LocalStore): LocalStore => {
  let pages: ReturnType<LocalStore['getSnapshotPages']> | null = store.getSnapshotPages();
  pages.catch(() => undefined);
  return {
    ...store,
    readSnapshotPages: async (from, limit) => {
      const all = pages && (await pages.catch(() => null));
      if (!all) {
        pages = null;
        return store.readSnapshotPages(from, limit);
      }
      if (from + limit >= all.length) pages = null;
      return {
        pages: all.filter((page) => page.index >= from && page.index < from + limit),
        total: all.length,
      };
    },
  };
};
