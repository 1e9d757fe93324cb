import { describe, expect, it } from 'vitest';
import { createPendingChanges, type PendingStore } from './pending-changes';

const key = (recordId: string) => ({ collectionId: 'c', recordId });

/** An outbox of record ids; ops carry only what the tracker reads. */
const fakeOutbox = (initial: string[] = []) => {
  const queued = new Set(initial);
  const store: PendingStore = {
    countOutbox: async () => queued.size,
    listOutbox: async () => [...queued].map((id) => key(id)) as never,
    getOutbox: async (keys) => keys.map((k) => (queued.has(k.recordId) ? (k as never) : undefined)),
  };
  return { queued, store };
};

describe('pending changes', () => {
  it('starts from what was queued before a reload, adds local writes, drops what the server took', async () => {
    const { queued, store } = fakeOutbox(['a']);
    let changes = 0;
    const pending = createPendingChanges(store, () => changes++);
    await pending.load();
    expect([...pending.recordIds()]).toEqual(['a']);
    queued.add('b');
    pending.added([key('b')]);
    expect(pending.count()).toBe(2);
    queued.delete('a');
    await pending.recheck();
    expect([...pending.recordIds()]).toEqual(['b']);
    expect(changes).toBe(3);
    await pending.recheck();
    expect(changes).toBe(3);
  });

  it('keeps a record written again while a recheck was reading the outbox', async () => {
    const { queued, store } = fakeOutbox();
    let release: () => void = () => undefined;
    let answered: () => void = () => undefined;
    const hasAnswered = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const slow: PendingStore = {
      ...store,
      getOutbox: async (keys) => {
        const answer = await store.getOutbox(keys);
        answered();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return answer;
      },
    };
    const pending = createPendingChanges(slow, () => undefined);
    pending.added([key('a')]);
    const recheck = pending.recheck();
    await hasAnswered;
    // The first op was acknowledged, and a new edit of the same record was queued meanwhile.
    queued.add('a');
    pending.added([key('a')]);
    release();
    await recheck;
    expect([...pending.recordIds()]).toEqual(['a']);
  });
});
