import { randomUUID } from 'node:crypto';
import type { CollectionsEvent, PokeEvent } from '@halyon/protocol';
import { describe, expect, it } from 'vitest';
import { createPokeHub, SYNC_CHANNEL } from './poke-hub';

/** A stand-in for DatabaseHandle.listen that lets the test play the database's NOTIFY. */
function fakeChannel() {
  const callbacks = new Map<string, (payload: string) => void>();
  return {
    listen: async (channel: string, onPayload: (payload: string) => void) => {
      callbacks.set(channel, onPayload);
      return async () => {
        callbacks.delete(channel);
      };
    },
    notify: (payload: unknown) => callbacks.get(SYNC_CHANNEL)?.(JSON.stringify(payload)),
    isListening: () => callbacks.has(SYNC_CHANNEL),
  };
}

function recorder(userId: string) {
  const pokes: PokeEvent[] = [];
  const collections: CollectionsEvent[] = [];
  return {
    pokes,
    collections,
    listener: {
      userId,
      onPoke: (e: PokeEvent) => pokes.push(e),
      onCollections: (e: CollectionsEvent) => collections.push(e),
    },
  };
}

describe('PokeHub', () => {
  it('delivers a poke only to subscribers of that collection', async () => {
    const channel = fakeChannel();
    const hub = createPokeHub({ listen: channel.listen });
    await hub.start();
    const [mine, other] = [randomUUID(), randomUUID()];
    const alice = recorder(randomUUID());
    const bob = recorder(randomUUID());
    hub.subscribe(alice.listener).setCollections([mine]);
    hub.subscribe(bob.listener).setCollections([other]);

    channel.notify({ type: 'poke', collectionId: mine, seq: 4 });

    expect(alice.pokes).toEqual([{ collectionId: mine, seq: 4 }]);
    expect(bob.pokes).toEqual([]);
  });

  it('tells a user, and only that user, that their memberships changed', async () => {
    const channel = fakeChannel();
    const hub = createPokeHub({ listen: channel.listen });
    await hub.start();
    const alice = recorder(randomUUID());
    const bob = recorder(randomUUID());
    hub.subscribe(alice.listener);
    hub.subscribe(bob.listener);

    channel.notify({ type: 'collections', userId: alice.listener.userId, cursor: 9 });

    expect(alice.collections).toEqual([{ cursor: 9 }]);
    expect(bob.collections).toEqual([]);
  });

  it('stops delivering after unsubscribe and after a collection leaves the set', async () => {
    const channel = fakeChannel();
    const hub = createPokeHub({ listen: channel.listen });
    await hub.start();
    const [first, second] = [randomUUID(), randomUUID()];
    const alice = recorder(randomUUID());
    const subscription = hub.subscribe(alice.listener);
    subscription.setCollections([first, second]);
    subscription.setCollections([second]);
    channel.notify({ type: 'poke', collectionId: first, seq: 1 });
    subscription.unsubscribe();
    channel.notify({ type: 'poke', collectionId: second, seq: 2 });

    expect(alice.pokes).toEqual([]);
    expect(hub.size).toBe(0);
  });

  it('closes every subscriber when it stops, so event streams end on shutdown', async () => {
    const channel = fakeChannel();
    const hub = createPokeHub({ listen: channel.listen });
    await hub.start();
    let closed = 0;
    hub.subscribe({ ...recorder(randomUUID()).listener, onClose: () => closed++ });
    await hub.stop();
    expect(closed).toBe(1);
    expect(hub.size).toBe(0);
  });

  it('ignores payloads it does not understand instead of throwing in the listener', async () => {
    const channel = fakeChannel();
    const bad: string[] = [];
    const hub = createPokeHub({ listen: channel.listen, onBadPayload: (p) => bad.push(p) });
    await hub.start();
    channel.notify({ type: 'poke', collectionId: 'not-a-uuid', seq: -1 });
    expect(bad).toHaveLength(1);
    await hub.stop();
    expect(channel.isListening()).toBe(false);
  });
});
