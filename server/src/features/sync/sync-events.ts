/**
 * @module GET /v1/sync/events: a text/event-stream telling one user what to pull. `ready` comes first, once the
 * stream is subscribed; then `poke` {collectionId, seq} for changes to their collections and `collections`
 * {cursor} when their memberships change; a comment line every heartbeat keeps proxies from closing it.
 * Pokes are hints: a client pulls once after `ready` and after every poke, so a lost poke costs latency only.
 */
import type { CollectionsEvent, PokeEvent, ReadyEvent } from '@halyon/protocol';
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { AppEnv } from '../../http/app-env';
import { readMemberCollectionIds } from './collections.repository';
import type { PokeHub } from './poke-hub';

export interface SyncEventsDeps {
  readonly db: Kysely<Database>;
  readonly pokes: PokeHub;
  readonly epoch: string;
  readonly heartbeatMs: number;
}

export function streamSyncEvents(c: Context<AppEnv>, deps: SyncEventsDeps): Response {
  const { userId } = c.get('auth');
  return streamSSE(c, async (stream) => {
    // Writes are chained so events never interleave, and stop quietly once the client is gone.
    let writing: Promise<void> = Promise.resolve();
    const send = (write: (s: SSEStreamingApi) => Promise<unknown>) => {
      writing = writing.then(async () => {
        if (!stream.aborted && !stream.closed) await write(stream);
      });
      writing.catch(() => stream.abort());
    };
    const sendEvent = (event: string, data: PokeEvent | CollectionsEvent | ReadyEvent) =>
      send((s) => s.writeSSE({ event, data: JSON.stringify(data) }));

    let endStream = () => {};
    const closed = new Promise<void>((resolve) => {
      endStream = resolve;
      stream.onAbort(resolve);
    });
    const refreshCollections = async () =>
      subscription.setCollections(await readMemberCollectionIds(deps.db, userId));
    const subscription = deps.pokes.subscribe({
      userId,
      onPoke: (event) => sendEvent('poke', event),
      onCollections: (event) => {
        // Listen to the new set before telling the client, so a poke for a just-shared collection is not lost.
        void refreshCollections()
          .then(() => sendEvent('collections', event))
          .catch(() => stream.abort());
      },
      onClose: () => endStream(),
    });

    const heartbeat = setInterval(() => send((s) => s.write(': heartbeat\n\n')), deps.heartbeatMs);
    try {
      await refreshCollections();
      sendEvent('ready', { epoch: deps.epoch });
      await closed;
    } finally {
      clearInterval(heartbeat);
      subscription.unsubscribe();
    }
  });
}
