/**
 * @module What the worker exposes to the page over comlink: sign in, the library's queries (one-off or watched)
 * and commands, and the sync status. Keys and decrypted records stay in the worker; the page gets plain,
 * structured-clone-able results. Platform pieces (IndexedDB, fetch, Web Locks, BroadcastChannel, online state,
 * the device's remembered accounts) come from the composition root (worker.ts), so this runs in Node tests too.
 *
 * Offline first: an account this device remembers unlocks from its remembered envelope, with no network, and
 * opens the library at once; the server session opens in the background (now if online, else when the network
 * returns) with the auth key that unlock derived, held in memory only until that login is answered. A password
 * that does not open the remembered envelope is tried on the server when it is reachable (the password may have
 * changed on another device); a password sign-in replaces the remembered envelope with the server's, once it
 * opened. Session policy: one server session per unlock, ended on lock; a session this device could not end
 * (offline) is remembered by id and revoked after the next sign-in. See docs/web.md ("Unlocking").
 */

import type { LoginResponse, PasswordWrap } from '@halyon/protocol';
import { proxy } from 'comlink';
import { lockVault, type UnlockedVault, zeroize } from '../crypto';
import { err, ok, type Result } from '../result';
import type { LocalStore } from '../store/local-store';
import type { SyncError } from '../sync/errors';
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
import {
  logInWithAuthKey,
  normaliseEmail,
  RememberedAccount,
  rememberedAccountOf,
  type SignInError,
  signIn,
  unlockOnDevice,
  withPasswordWrap,
} from './account';
import { type HalyonClient, openHalyonClient } from './client';
import type { Library, LibraryQueriesFor } from './remote-types';
import { createServerSession, isRefusal, type ServerSession, type ServerSignIn } from './session-tokens';

/** The device's remembered accounts (web: the worker's own IndexedDB database), by normalised e-mail address. */
export interface RememberedAccounts {
  /** The stored record as it is (validated when used), or null. */
  readonly read: (email: string) => Promise<unknown>;
  readonly write: (account: RememberedAccount) => Promise<void>;
}

export interface RemotePlatform {
  readonly openStore: (name: string) => Promise<LocalStore>;
  readonly fetch?: typeof fetch;
  readonly network: NetworkStatus;
  readonly locks: LockManagerLike;
  readonly openChannel: (name: string) => ChannelLike;
  readonly deviceName: string;
  /** Without it, every unlock signs in on the server (the CLI, tests). */
  readonly accounts?: RememberedAccounts;
  /**
   * Told when a session opens (with what the worker's other services need: the library client, the vault, the
   * server and the access token) and when it closes (null): the web worker builds media and uploads on it.
   */
  readonly onSession?: (session: RemoteSession | null) => void | Promise<void>;
  /** Told when the server session of the open vault opens or is refused. */
  readonly onServerSignIn?: (state: ServerSignIn) => void;
}

export interface RemoteSession {
  readonly client: HalyonClient;
  readonly vault: UnlockedVault;
  readonly server: string;
  readonly accessToken: () => Promise<string>;
  /** Whether the server session is open yet, or was refused (sign in with the password again). */
  readonly serverSignIn: () => ServerSignIn;
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
  readonly server: ServerSession;
  /** Until the background login is answered; then zeroed. */
  readonly authKey: Uint8Array | null;
  readonly stopSigningIn: () => void;
  readonly serverUrl: string;
  readonly email: string;
  status: RunnerStatus;
  readonly statusListeners: Set<(status: RunnerStatus) => void>;
}

const NOT_SIGNED_IN_YET = { type: 'NetworkFailure', message: 'not signed in to the server yet' } as const;

/** Sync halted because the server no longer takes this session's token. */
const isSignedOut = (error: SyncError): boolean =>
  error.type === 'Transport' && error.error.type === 'ProblemResponse' && error.error.status === 401;

type Opened = {
  readonly account: RememberedAccount | null;
  readonly vault: UnlockedVault;
  /** The userId the store is named after. */
  readonly userId: string;
} & (
  | { readonly login: LoginResponse; readonly authKey: null }
  | { readonly login: null; readonly authKey: Uint8Array }
);

/** The name of an account's local store (IndexedDB database), by user id. */
export const localStoreName = (userId: string): string => `halyon-${userId}`;

export const createRemoteApi = (platform: RemotePlatform) => {
  let session: Session | null = null;
  const accounts = platform.accounts;

  const readAccount = async (email: string): Promise<RememberedAccount | null> => {
    const parsed = RememberedAccount.safeParse(await accounts?.read(email));
    return parsed.success ? parsed.data : null;
  };
  const updateAccount = async (email: string, change: (account: RememberedAccount) => RememberedAccount) => {
    const account = await readAccount(email);
    if (account) await accounts?.write(change(account));
  };

  /** Ends the server session; one the server could not be told about is revoked after the next sign-in. */
  const endServerSession = async (current: Session, email: string) => {
    const sessionId = current.server.sessionId();
    if (current.server.state() !== 'signedIn' || !sessionId) return;
    const auth = createAuthClient({ baseUrl: current.serverUrl, fetch: platform.fetch });
    const ended = await auth.logout(current.server.accessToken);
    if (!ended.ok && !isRefusal(ended.error))
      await updateAccount(email, (a) => ({
        ...a,
        sessionsToEnd: [...a.sessionsToEnd, sessionId].slice(-100),
      }));
  };

  /** Revokes the sessions this device ended while offline. */
  const revokeEndedSessions = async (
    accessToken: () => Promise<string>,
    serverUrl: string,
    email: string,
  ) => {
    const account = await readAccount(email);
    if (!account?.sessionsToEnd.length) return;
    const auth = createAuthClient({ baseUrl: serverUrl, fetch: platform.fetch });
    const ended: string[] = [];
    for (const id of account.sessionsToEnd) {
      const revoked = await auth.revokeSession(accessToken, id);
      // 404: it ended anyway (expired, or revoked elsewhere). Any other refusal is ours (e.g. signed out): keep it.
      if (revoked.ok || (revoked.error.type === 'ProblemResponse' && revoked.error.status === 404))
        ended.push(id);
    }
    await updateAccount(email, (a) => ({
      ...a,
      sessionsToEnd: a.sessionsToEnd.filter((id) => !ended.includes(id)),
    }));
  };

  const close = async (endSession: 'end' | 'keep' = 'end') => {
    const current = session;
    session = null;
    if (!current) return;
    // Waited for: the worker's uploads stop before the keys go, so none writes a record into a locked vault.
    await platform.onSession?.(null);
    current.stopSigningIn();
    current.runner.stop();
    await current.tabs.close();
    await current.client.lock();
    lockVault(current.vault);
    zeroize(current.authKey ?? undefined);
    current.client.store.close();
    // Not waited for: locking must not wait on the network.
    if (endSession === 'end') void endServerSession(current, current.email).catch(() => undefined);
  };

  /**
   * From the remembered envelope when it opens; otherwise (or with nothing remembered) on the server, whose
   * envelope is kept once the password opened it. Offline, a password the device cannot confirm is wrong.
   */
  const unlock = async (
    serverUrl: string,
    email: string,
    password: string,
  ): Promise<Result<Opened, SignInError>> => {
    const remembered = (await accounts?.read(email)) ?? null;
    let local: Result<never, SignInError> | null = null;
    if (remembered !== null) {
      const opened = await unlockOnDevice(remembered, password);
      if (opened.ok) {
        const { account, vault, authKey } = opened.value;
        return ok({ account, vault, userId: account.userId, login: null, authKey });
      }
      local = opened;
      if (!platform.network.isOnline()) return local;
    }
    const auth = createAuthClient({ baseUrl: serverUrl, fetch: platform.fetch });
    const signedIn = await signIn(auth, email, password, platform.deviceName);
    if (!signedIn.ok) {
      // The server out of reach says nothing about the password; the device's answer stands.
      const unreachable = signedIn.error.type === 'Transport' && !isRefusal(signedIn.error.error);
      return local && unreachable ? local : signedIn;
    }
    const { login, vault } = signedIn.value;
    const earlier = await readAccount(email);
    const account = accounts
      ? { ...rememberedAccountOf(login, email), sessionsToEnd: earlier?.sessionsToEnd ?? [] }
      : null;
    if (account) await accounts?.write(account);
    return ok({ account, vault, userId: login.userId, login, authKey: null });
  };

  return {
    /**
     * Unlocks with the password (derived here, never kept), opens this account's store at once and starts
     * syncing; the server session follows in the background when the vault was opened on the device.
     */
    async signIn(
      server: string,
      rawEmail: string,
      password: string,
    ): Promise<Result<{ readonly userId: string }, SignInError>> {
      await close();
      const email = normaliseEmail(rawEmail);
      const opened = await unlock(server, email, password);
      if (!opened.ok) return opened;
      const { vault, userId, login, authKey } = opened.value;
      const auth = createAuthClient({ baseUrl: server, fetch: platform.fetch });
      const statusListeners = new Set<(status: RunnerStatus) => void>();
      const serverSession = createServerSession({
        auth,
        initial: login ?? undefined,
        logIn: () => logInWithAuthKey(auth, email, authKey ?? new Uint8Array(), platform.deviceName),
        onState: (state) => {
          // Answered either way: a refusal needs the password again, which derives a new one.
          if (state !== 'waiting') zeroize(authKey ?? undefined);
          if (state === 'signedIn')
            // Called from inside createServerSession for a password sign-in: read serverSession later.
            void revokeEndedSessions(() => serverSession.accessToken(), server, email).catch(() => undefined);
          if (state === 'refused' && session) session.runner.requestSync();
          platform.onServerSignIn?.(state);
        },
      });
      const transport = createFetchTransport({
        baseUrl: server,
        fetch: platform.fetch,
        accessToken: serverSession.accessToken,
      });
      const storeName = localStoreName(userId);
      const client = await openHalyonClient({
        store: await platform.openStore(storeName),
        transport,
        masterKey: vault.masterKey,
      });
      const runner = createSyncRunner({
        engine: {
          // Not signed in yet (offline, or the server busy): a failure to retry, never an unauthenticated request.
          syncOnce: async () =>
            (await serverSession.signIn()) === 'waiting'
              ? err({ type: 'Transport', error: NOT_SIGNED_IN_YET })
              : client.sync(),
        },
        transport,
        network: platform.network,
        sleep: abortableSleep,
        random: Math.random,
        onStatus: (status) => {
          if (session) session.status = status;
          if (status.state === 'halted' && isSignedOut(status.error)) serverSession.refused();
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
      // In every tab, not only the one that syncs: uploads and downloads need the session too.
      const signInWhenOnline = (online: boolean) => {
        if (online) void serverSession.signIn();
      };
      const stopSigningIn = platform.network.onChange(signInWhenOnline);
      session = {
        client,
        vault,
        runner,
        tabs,
        server: serverSession,
        serverUrl: server,
        email,
        authKey,
        stopSigningIn,
        status: { state: 'stopped' },
        statusListeners,
      };
      platform.onSession?.({
        client,
        vault,
        server,
        accessToken: serverSession.accessToken,
        serverSignIn: serverSession.state,
      });
      signInWhenOnline(platform.network.isOnline());
      return ok({ userId });
    },

    /** After a password change on this device: remember the new wrap, so the next unlock takes the new password. */
    async rememberPasswordWrap(wrap: PasswordWrap): Promise<void> {
      const current = session;
      if (current) await updateAccount(current.email, (account) => withPasswordWrap(account, wrap));
    },

    /** Whether this unlock's server session is open, pending, or refused; null when locked. */
    serverSignIn: (): ServerSignIn | null => session?.server.state() ?? null,

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

    /**
     * Forgets keys and decrypted data (the store keeps ciphertext) and ends the server session; unlock again to
     * continue.
     */
    lock: () => close('end'),

    /** Signing out of this device: ends the server session (waiting for it, best effort) and locks. */
    async signOut(): Promise<void> {
      const current = session;
      if (current?.server.state() === 'signedIn')
        await createAuthClient({ baseUrl: current.serverUrl, fetch: platform.fetch }).logout(
          current.server.accessToken,
        );
      await close('keep');
    },

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
export type { RememberedAccount } from './account';
export type { ServerSignIn } from './session-tokens';
