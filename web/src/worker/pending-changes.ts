/**
 * @module Which records have local changes the server has not acknowledged yet: the keys in the sync outbox,
 * followed through the engine's events instead of scanning the outbox on every change. A local write adds its
 * keys; after a sync round (or another tab's) `recheck` asks the store which of them are still queued.
 */
import type { SyncStore } from '@halyon/client-core';

type RecordKey = Parameters<SyncStore['getOutbox']>[0][number];
export type PendingStore = Pick<SyncStore, 'countOutbox' | 'listOutbox' | 'getOutbox'>;

export interface PendingChanges {
  /** Reads what is queued now (at sign-in: edits made offline before a reload). */
  readonly load: () => Promise<void>;
  readonly added: (keys: ReadonlyArray<RecordKey>) => void;
  /** Forgets the records whose queued change has reached the server. */
  readonly recheck: () => Promise<void>;
  readonly recordIds: () => Iterable<string>;
  readonly count: () => number;
}

const keyString = (key: RecordKey) => `${key.collectionId}/${key.recordId}`;

export const createPendingChanges = (store: PendingStore, onChange: () => void): PendingChanges => {
  /** By key string: the key, and a write counter so a recheck never drops a record written while it ran. */
  const pending = new Map<string, { readonly key: RecordKey; readonly write: number }>();
  let writes = 0;
  let running: Promise<void> | null = null;
  let isRequested = false;

  const add = (keys: ReadonlyArray<RecordKey>) => {
    for (const key of keys)
      pending.set(keyString(key), {
        key: { collectionId: key.collectionId, recordId: key.recordId },
        write: ++writes,
      });
  };

  const recheckOnce = async () => {
    const snapshot = [...pending.values()];
    if (snapshot.length === 0) return;
    const queued = await store.getOutbox(snapshot.map((s) => s.key));
    let changed = false;
    snapshot.forEach((entry, i) => {
      const id = keyString(entry.key);
      if (queued[i] === undefined && pending.get(id)?.write === entry.write) {
        pending.delete(id);
        changed = true;
      }
    });
    if (changed) onChange();
  };

  return {
    async load() {
      if ((await store.countOutbox()) === 0) return;
      add(await store.listOutbox());
      onChange();
    },
    added(keys) {
      if (keys.length === 0) return;
      add(keys);
      onChange();
    },
    recheck() {
      // One at a time; calls during a run coalesce into one more run.
      isRequested = true;
      running ??= (async () => {
        while (isRequested) {
          isRequested = false;
          await recheckOnce();
        }
        running = null;
      })();
      return running;
    },
    recordIds: () => [...pending.values()].map((entry) => entry.key.recordId),
    count: () => pending.size,
  };
};
