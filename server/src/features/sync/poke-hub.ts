/**
 * @module The PokeHub: one LISTEN per process on the sync channel, fanned out to this process's SSE subscribers.
 * Writers queue `pg_notify` inside their transaction, so every server process on the same PostgreSQL (and the
 * one PGlite in embedded mode) hears about a change once it commits, whichever process made it.
 */

import type { CollectionsEvent, PokeEvent } from '@halyon/protocol';
import { Uuid } from '@halyon/protocol';
import { z } from 'zod';
import type { DatabaseHandle } from '../../db/database';

export const SYNC_CHANNEL = 'halyon_sync';

/** What travels through NOTIFY: a collection changed, or a user's memberships did. */
const SyncNotification = z.discriminatedUnion('type', [
  z.object({ type: z.literal('poke'), collectionId: Uuid, seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal('collections'), userId: Uuid, cursor: z.number().int().nonnegative() }),
]);
export type SyncNotification = z.infer<typeof SyncNotification>;

export interface PokeListener {
  readonly userId: string;
  onPoke(event: PokeEvent): void;
  onCollections(event: CollectionsEvent): void;
  /** The hub is stopping (server shutdown): end the stream so the process can exit. */
  onClose?(): void;
}

export interface PokeSubscription {
  /** The collections this subscriber may read; pokes for others never reach it. */
  setCollections(collectionIds: Iterable<string>): void;
  unsubscribe(): void;
}

export interface PokeHub {
  /** Starts listening; resolves once LISTEN is in effect. */
  start(): Promise<void>;
  /** Stops listening and closes every subscriber. */
  stop(): Promise<void>;
  subscribe(listener: PokeListener): PokeSubscription;
  /** Subscribers in this process (for tests and metrics). */
  readonly size: number;
}

export interface PokeHubDeps {
  readonly listen: DatabaseHandle['listen'];
  readonly onBadPayload?: (payload: string) => void;
}

export function createPokeHub(deps: PokeHubDeps): PokeHub {
  const listenersByCollection = new Map<string, Set<PokeListener>>();
  const listenersByUser = new Map<string, Set<PokeListener>>();
  const closers = new Set<() => void>();
  let unlisten: (() => Promise<void>) | undefined;

  const add = <K>(index: Map<K, Set<PokeListener>>, key: K, listener: PokeListener) => {
    let set = index.get(key);
    if (!set) {
      set = new Set();
      index.set(key, set);
    }
    set.add(listener);
  };
  const remove = <K>(index: Map<K, Set<PokeListener>>, key: K, listener: PokeListener) => {
    const set = index.get(key);
    if (set?.delete(listener) && set.size === 0) index.delete(key);
  };

  const deliver = (payload: string) => {
    const parsed = SyncNotification.safeParse(safeJsonParse(payload));
    if (!parsed.success) {
      deps.onBadPayload?.(payload);
      return;
    }
    const note = parsed.data;
    if (note.type === 'poke') {
      for (const listener of listenersByCollection.get(note.collectionId) ?? []) {
        listener.onPoke({ collectionId: note.collectionId, seq: note.seq });
      }
    } else {
      for (const listener of listenersByUser.get(note.userId) ?? [])
        listener.onCollections({ cursor: note.cursor });
    }
  };

  let subscribers = 0;
  return {
    async start() {
      if (!unlisten) unlisten = await deps.listen(SYNC_CHANNEL, deliver);
    },
    async stop() {
      const stopping = unlisten;
      unlisten = undefined;
      await stopping?.();
      for (const close of [...closers]) close();
    },
    subscribe(listener) {
      let collections = new Set<string>();
      let active = true;
      subscribers += 1;
      add(listenersByUser, listener.userId, listener);
      const unsubscribe = () => {
        if (!active) return;
        active = false;
        subscribers -= 1;
        closers.delete(close);
        for (const id of collections) remove(listenersByCollection, id, listener);
        remove(listenersByUser, listener.userId, listener);
      };
      const close = () => {
        unsubscribe();
        listener.onClose?.();
      };
      closers.add(close);
      return {
        setCollections(collectionIds) {
          if (!active) return;
          for (const id of collections) remove(listenersByCollection, id, listener);
          collections = new Set(collectionIds);
          for (const id of collections) add(listenersByCollection, id, listener);
        },
        unsubscribe,
      };
    },
    get size() {
      return subscribers;
    },
  };
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
