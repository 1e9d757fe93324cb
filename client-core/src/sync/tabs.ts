/**
 * @module Several tabs, one sync: the tabs of one account share the local store (IndexedDB), and only the tab that
 * holds the Web Lock syncs. Tabs talk over a BroadcastChannel: a tab that wrote locally asks the leader to sync;
 * the leader tells the others which records it changed, and they re-read them from the store. When the leader
 * closes, its lock passes to another tab. Locks and channel are injected, so Node tests can simulate tabs.
 */
import type { RecordKey } from './sync-store';

/** The part of the Web Locks API (navigator.locks) used here. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** The part of BroadcastChannel used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export type TabMessage =
  | { readonly type: 'wrote'; readonly keys: readonly RecordKey[] }
  | { readonly type: 'changed'; readonly keys: readonly RecordKey[] };

const isTabMessage = (data: unknown): data is TabMessage =>
  typeof data === 'object' &&
  data !== null &&
  ((data as TabMessage).type === 'wrote' || (data as TabMessage).type === 'changed') &&
  Array.isArray((data as { keys?: unknown }).keys);

export interface TabCoordinatorDeps {
  readonly locks: LockManagerLike;
  readonly channel: ChannelLike;
  /** One lock per account and store, e.g. "halyon-sync:<store name>". */
  readonly lockName: string;
  /** Runs while this tab leads (start the runner); must return when `signal` aborts. */
  readonly lead: (signal: AbortSignal) => Promise<void>;
  /** Another tab wrote: sync soon (called on the leader only). */
  readonly onPeerWrote: () => void;
  /** Another tab changed these records in the shared store (a local write, or the leader's sync): re-read them. */
  readonly onPeerChanged: (keys: readonly RecordKey[]) => void;
}

export const createTabCoordinator = (deps: TabCoordinatorDeps) => {
  const closing = new AbortController();
  let leading = false;
  deps.channel.addEventListener('message', ({ data }) => {
    if (!isTabMessage(data)) return;
    deps.onPeerChanged(data.keys);
    if (data.type === 'wrote' && leading) deps.onPeerWrote();
  });
  // Waits in line for the lock; holds it until this tab closes.
  const held = deps.locks
    .request(deps.lockName, { signal: closing.signal }, async () => {
      leading = true;
      try {
        await deps.lead(closing.signal);
      } finally {
        leading = false;
      }
    })
    .catch(() => undefined); // an abort while still waiting for the lock
  return {
    isLeader: () => leading,
    /** After a local write: other tabs show it, and the leader pushes it. */
    announceWrite: (keys: readonly RecordKey[]) =>
      deps.channel.postMessage({ type: 'wrote', keys } satisfies TabMessage),
    /** On the leader, after applying server changes. */
    announceChanges: (keys: readonly RecordKey[]) => {
      if (keys.length > 0) deps.channel.postMessage({ type: 'changed', keys } satisfies TabMessage);
    },
    async close() {
      closing.abort();
      await held;
      deps.channel.close();
    },
  };
};

export type TabCoordinator = ReturnType<typeof createTabCoordinator>;
