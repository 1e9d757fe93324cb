import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { openLocalStore } from '../store/local-store';
import { createTabCoordinator } from './tabs';
import { createTestDevice, testUuid } from './testing/device';
import { createLocks } from './testing/locks';
import { createMemoryServer } from './testing/memory-server';

const LIBRARY = testUuid(1, 'c0');
const tagKey = (n: number) => ({ collectionId: LIBRARY, recordId: testUuid(n) });

describe('tab coordination', () => {
  it('lets one tab lead at a time and hands the lead on when it closes', async () => {
    const locks = createLocks();
    const leaders: string[] = [];
    const tab = (name: string) =>
      createTabCoordinator({
        locks,
        channel: new BroadcastChannel('halyon-test-lead'),
        lockName: 'halyon-sync:lead',
        lead: async (signal) => {
          leaders.push(name);
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        },
        onPeerWrote: () => {},
        onPeerChanged: () => {},
      });
    const first = tab('first');
    const second = tab('second');
    await vi.waitFor(() => expect(first.isLeader()).toBe(true));
    expect(second.isLeader()).toBe(false);
    await first.close();
    await vi.waitFor(() => expect(second.isLeader()).toBe(true));
    expect(leaders).toEqual(['first', 'second']);
    await second.close();
  });

  it('syncs a follower tab’s write through the leader and shows the follower what the leader pulled', async () => {
    const server = createMemoryServer();
    server.createCollection(LIBRARY);
    const storeName = `tabs-${Date.now()}`;
    const open = () => openLocalStore(storeName, { indexedDB, IDBKeyRange });
    const leaderTab = await createTestDevice({
      nodeId: 'tab1',
      transport: server.transport,
      store: await open(),
    });
    const followerTab = await createTestDevice({
      nodeId: 'tab2',
      transport: server.transport,
      store: await open(),
    });
    const locks = createLocks();
    const leader = createTabCoordinator({
      locks,
      channel: new BroadcastChannel('halyon-test-sync'),
      lockName: 'halyon-sync:x',
      lead: (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      onPeerWrote: () => void leaderTab.engine.syncOnce(),
      onPeerChanged: () => {},
    });
    await vi.waitFor(() => expect(leader.isLeader()).toBe(true));
    leaderTab.engine.subscribe((event) => {
      if (event.type === 'changes') leader.announceChanges(event.changes.map((c) => c.key));
    });
    const follower = createTabCoordinator({
      locks,
      channel: new BroadcastChannel('halyon-test-sync'),
      lockName: 'halyon-sync:x',
      lead: async () => {},
      onPeerWrote: () => {},
      onPeerChanged: (keys) => void followerTab.engine.refresh(keys),
    });

    await followerTab.createTag(tagKey(1), 'Written in tab 2');
    follower.announceWrite([tagKey(1)]);
    await vi.waitFor(() => expect(server.records(LIBRARY)).toHaveLength(1));

    const phone = await createTestDevice({ nodeId: 'phone', transport: server.transport });
    await phone.syncOrThrow();
    await phone.edit(tagKey(1), { color: 'teal' });
    await phone.syncOrThrow();
    await leaderTab.syncOrThrow();
    await vi.waitFor(() =>
      expect(followerTab.doc(tagKey(1))?.fields).toEqual({ name: 'Written in tab 2', color: 'teal' }),
    );

    await follower.close();
    await leader.close();
  });
});
