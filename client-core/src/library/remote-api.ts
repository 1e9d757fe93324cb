/**
 * @module What the worker exposes to the page over comlink: sign in, the library's queries (one-off or watched)
 * and commands, and the sync status. Keys and decrypted records stay in the worker; the page gets plain,
 * structured-clone-able results. Platform pieces (IndexedDB, fetch, Web Locks, BroadcastChannel, online state)
 * come from the composition root (worker.ts), so this runs in Node tests too.
 */
import { proxy } from 'comlink';
import { lockVault, type UnlockedVault } from '../crypto';
import { err, ok, type Result } from '../result';
import type { LocalStore } from '../store/local-store';
import {
  abortableSleep,
  createSyncRunner,
  type NetworkStatus,
  type RunnerStatus,
  type SyncRunner,
} from '../sync/runner';
import {
  type ChannelLike,
  createTabCoordinator,
  type LockManagerLike,
  type TabCoordinator,
} from '../sync/tabs';
import { createAuthClient } from '../transport/auth-client';
import { createFetchTransport } from '../transport/fetch-transport';
import { type SignInError, signIn } from './account';
import { type HalyonClient, openHalyonClient } from './client';
import type { Library, LibraryQueriesFor } from './remote-types';
import { createSessionTokens } from './session-tokens';

export interface RemotePlatform {
  readonly openStore: (name: string) => Promise<LocalStore>;
  readonly fetch?: typeof fetch;
  readonly network: NetworkStatus;
  readonly locks: LockManagerLike;
  readonly openChannel: (name: string) => ChannelLike;
  readonly deviceName: string;
  /**
   * Told when a session opens (with what the worker's other services need: the library client, the vault, the
   * server and the access token) and when it closes (null): the web worker builds media and uploads on it.
   */
  readonly onSession?: (session: RemoteSession | null) => void;
}

export interface RemoteSession {
  readonly client: HalyonClient;
  readonly vault: UnlockedVault;
  readonly server: string;
  readonly accessToken: () => Promise<string>;
}

/** Library methods the page may call; each is a local write followed by a sync request. */
export const COMMANDS = [
  'addPhotos',
  'setCaption',
  'setFavourite',
  'setArchived',
  'setDate',
  'setLocation',
  'trash',
  'restore',
  'deleteForever',
  'emptyTrash',
  'createTag',
  'renameTag',
  'deleteTag',
  'tagPhotos',
  'untagPhotos',
  'createAlbum',
  'renameAlbum',
  'setAlbumDescription',
  'setAlbumCover',
  'deleteAlbum',
  'addToAlbum',
  'removeFromAlbum',
  'moveInAlbum',
] as const satisfies ReadonlyArray<keyof Library>;
export type CommandName = (typeof COMMANDS)[number];
export type QueryName = keyof LibraryQueriesFor;

export type NotSignedIn = { readonly type: 'NotSignedIn' };

interface Session {
  readonly client: HalyonClient;
  /** Held until lock: the client unwraps keys of collections it learns about later. */
  readonly vault: UnlockedVault;
  readonly runner: SyncRunner;
  readonly tabs: TabCoordinator;
  status: RunnerStatus;
  readonly statusListeners: Set<(status: RunnerStatus) => void>;
}

export const createRemoteApi = (platform: RemotePlatform) => {
  let session: Session | null = null;

  const close = async () => {
    const current = session;
    session = null;
    if (!current) return;
    platform.onSession?.(null);
    current.runner.stop();
    await current.tabs.close();
    await current.client.lock();
    lockVault(current.vault);
    current.client.store.close();
  };

  return {
    /** Signs in with the password (derived here, never kept), opens this account's store and starts syncing. */
    async signIn(
      server: string,
      email: string,
      password: string,
    ): Promise<Result<{ readonly userId: string }, SignInError>> {
      await close();
      const auth = createAuthClient({ baseUrl: server, fetch: platform.fetch });
      const signedIn = await signIn(auth, email, password, platform.deviceName);
      if (!signedIn.ok) return signedIn;
      const { login, vault } = signedIn.value;
      const tokens = createSessionTokens(auth, login);
      const transport = createFetchTransport({
        baseUrl: server,
        fetch: platform.fetch,
        accessToken: tokens.accessToken,
      });
      const storeName = `halyon-${login.userId}`;
      const client = await openHalyonClient({
        store: await platform.openStore(storeName),
        transport,
        masterKey: vault.masterKey,
      });
      const statusListeners = new Set<(status: RunnerStatus) => void>();
      const runner = createSyncRunner({
        engine: { syncOnce: () => client.sync() },
        transport,
        network: platform.network,
        sleep: abortableSleep,
        random: Math.random,
        onStatus: (status) => {
          if (session) session.status = status;
          for (const listener of statusListeners) listener(status);
        },
      });
      const tabs = createTabCoordinator({
        locks: platform.locks,
        channel: platform.openChannel(storeName),
        lockName: `halyon-sync:${storeName}`,
        lead: async (signal) => {
          signal.addEventListener('abort', () => runner.stop());
          await runner.start();
        },
        onPeerWrote: () => runner.requestSync(),
        onPeerChanged: (keys) => void client.engine.refresh(keys),
      });
      client.engine.subscribe((event) => {
        if (event.type === 'changes' && tabs.isLeader())
          tabs.announceChanges(event.changes.map((c) => c.key));
        if (event.type === 'localWrite') {
          tabs.announceWrite(event.keys);
          if (tabs.isLeader()) runner.requestSync();
        }
      });
      session = { client, vault, runner, tabs, status: { state: 'stopped' }, statusListeners };
      platform.onSession?.({ client, vault, server, accessToken: tokens.accessToken });
      return ok({ userId: login.userId });
    },

    /**
     * After sync halted on ServerEpochChanged and the user accepted that the server was restored from a backup:
     * re-queue what this device holds, adopt the new epoch and sync again. See docs/sync-engine.md.
     */
    async acceptRestoredServer(): Promise<boolean> {
      const current = session;
      if (current?.status.state !== 'halted' || current.status.error.type !== 'ServerEpochChanged')
        return false;
      await current.client.engine.adoptServerEpoch(current.status.error.received);
      void current.runner.start();
      return true;
    },

    /** Forgets keys and decrypted data (the store keeps ciphertext); sign in again to continue. */
    lock: close,

    status: (): RunnerStatus | null => session?.status ?? null,
    /**
     * Calls back on every status change; returns the unsubscribe (a comlink proxy, so the page can call it), or
     * null when not signed in.
     */
    onStatus(listener: (status: RunnerStatus) => void): (() => void) | null {
      const current = session;
      if (!current) return null;
      current.statusListeners.add(listener);
      return proxy(() => void current.statusListeners.delete(listener));
    },

    query<N extends QueryName>(
      name: N,
      ...args: Parameters<LibraryQueriesFor[N]>
    ): Result<ReturnType<LibraryQueriesFor[N]>, NotSignedIn> {
      if (!session) return err({ type: 'NotSignedIn' });
      const fn = session.client.library.queries[name] as (
        ...a: unknown[]
      ) => ReturnType<LibraryQueriesFor[N]>;
      return ok(fn(...args));
    },

    /**
     * Calls back with the query's result now and after every change; returns the unsubscribe (a comlink proxy),
     * or null when not signed in.
     */
    watch<N extends QueryName>(
      name: N,
      args: Parameters<LibraryQueriesFor[N]>,
      onChange: (value: ReturnType<LibraryQueriesFor[N]>) => void,
    ): (() => void) | null {
      if (!session) return null;
      const stop = session.client.library.watch(
        (q) => (q[name] as (...a: unknown[]) => ReturnType<LibraryQueriesFor[N]>)(...args),
        onChange,
      );
      return proxy(() => void stop());
    },

    async run<C extends CommandName>(
      name: C,
      ...args: Parameters<Library[C]>
    ): Promise<Result<Awaited<ReturnType<Library[C]>>, NotSignedIn>> {
      const current = session;
      if (!current) return err({ type: 'NotSignedIn' });
      if (!COMMANDS.includes(name)) throw new Error(`not a command: ${String(name)}`);
      const command = current.client.library[name] as (
        ...a: unknown[]
      ) => Promise<Awaited<ReturnType<Library[C]>>>;
      return ok(await command(...args));
    },
  };
};

export type RemoteApi = ReturnType<typeof createRemoteApi>;
