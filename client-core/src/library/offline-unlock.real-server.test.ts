/**
 * Offline-first unlock through the worker API against the real server (loopback): a device that signed in once
 * unlocks from its remembered envelope with the network down, edits go to the outbox, and the server session opens
 * (and the edits sync) when the network returns. Each device has its own IndexedDB, locks and channels; its
 * network can be cut (every request fails, open streams end) and restored.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { createVault, lockVault } from '../crypto';
import { openLocalStore } from '../store/local-store';
import { createLocks } from '../sync/testing/locks';
import { useRealServer } from '../testing/real-server';
import { createAuthClient } from '../transport/auth-client';
import { changeAccountPassword, type RememberedAccount, signIn } from './account';
import { createRemoteApi, type RemoteApi } from './remote-api';

const real = useRealServer();

const PASSWORD = 'a long enough test password';
const NEW_PASSWORD = 'another long enough password';
/** Argon2id runs several times per test, on a loaded machine. */
const SLOW = { timeout: 60_000 } as const;

const registerAccount = async () => {
  const email = `offline-unlock-${Date.now()}-${Math.random()}@example.test`;
  const created = await createVault(PASSWORD, email);
  if (!created.ok) throw new Error('vault');
  const { envelope, identityBundle, authKeyB64 } = created.value;
  lockVault(created.value.vault);
  const registered = await createAuthClient({ baseUrl: real.url }).register({
    email,
    authKey: authKeyB64,
    vault: envelope,
    identity: identityBundle,
  });
  if (!registered.ok) throw new Error('register');
  return email;
};

/** A device: its own database, remembered accounts and a network that can go down. */
const device = (name: string) => {
  let online = true;
  const listeners = new Set<(online: boolean) => void>();
  const remembered = new Map<string, unknown>();
  const indexedDB = new IDBFactory();
  /** Aborted when the network goes down: requests and event streams then open end like a cut connection. */
  let cut = new AbortController();
  const deviceFetch: typeof fetch = async (input, init) => {
    if (!online) throw new TypeError('Failed to fetch (network down)');
    const signal = init?.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal;
    return fetch(input, { ...init, signal });
  };
  const api = createRemoteApi({
    openStore: (store) => openLocalStore(store, { indexedDB, IDBKeyRange }),
    fetch: deviceFetch,
    network: {
      isOnline: () => online,
      onChange: (listener) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
    },
    locks: createLocks(),
    openChannel: (channel) => new BroadcastChannel(`${name}:${channel}`),
    deviceName: name,
    accounts: {
      read: async (email) => remembered.get(email) ?? null,
      write: async (account) => void remembered.set(account.email, structuredClone(account)),
    },
  });
  const setOnline = (next: boolean) => {
    online = next;
    if (!next) {
      cut.abort();
      cut = new AbortController();
    }
    for (const listener of listeners) listener(next);
  };
  return { api, remembered, setOnline };
};

const tagNames = (api: RemoteApi) => {
  const tags = api.query('tags');
  if (!tags.ok) throw new Error('locked');
  return tags.value.map((t) => t.name).sort();
};

const createTag = async (api: RemoteApi, name: string) => {
  const result = await api.run('createTag', name);
  if (!result.ok) throw new Error('locked');
};

const sessionsOf = async (email: string, password: string) => {
  const auth = createAuthClient({ baseUrl: real.url });
  const signedIn = await signIn(auth, email, password, 'observer');
  if (!signedIn.ok) throw new Error('observer sign-in');
  lockVault(signedIn.value.vault);
  const listed = await auth.listSessions(async () => signedIn.value.login.accessToken);
  if (!listed.ok) throw new Error('sessions');
  return listed.value.sessions.map((s) => s.deviceName);
};

describe('offline-first unlock', () => {
  it('unlocks with the network down and queues edits; back online it signs in, syncs, and ends the session it could not', async () => {
    const email = await registerAccount();
    const phone = device('phone');
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    expect(phone.remembered.get(email)).toMatchObject({ email, sessionsToEnd: [] });
    await createTag(phone.api, 'Made online');
    await vi.waitFor(() => expect(phone.api.status()).toMatchObject({ state: 'idle' }), SLOW);

    // Locked with no network: the server could not be told, so the session is remembered for later.
    phone.setOnline(false);
    await phone.api.lock();
    await vi.waitFor(
      () => expect((phone.remembered.get(email) as RememberedAccount).sessionsToEnd).toHaveLength(1),
      SLOW,
    );

    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    expect(phone.api.serverSignIn()).toBe('waiting');
    expect(tagNames(phone.api)).toEqual(['Made online']);
    await createTag(phone.api, 'Made offline');
    expect(tagNames(phone.api)).toEqual(['Made offline', 'Made online']);
    await vi.waitFor(() => expect(phone.api.status()).toMatchObject({ state: 'offline' }), SLOW);

    const laptop = device('laptop');
    expect(await laptop.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(laptop.api.status()).toMatchObject({ state: 'idle' }), SLOW);
    expect(tagNames(laptop.api)).toEqual(['Made online']);

    phone.setOnline(true);
    await vi.waitFor(() => expect(phone.api.serverSignIn()).toBe('signedIn'), SLOW);
    await vi.waitFor(() => expect(tagNames(laptop.api)).toEqual(['Made offline', 'Made online']), SLOW);
    // The session left behind offline is revoked: the phone holds one session, not one per unlock.
    await vi.waitFor(
      () => expect((phone.remembered.get(email) as RememberedAccount).sessionsToEnd).toEqual([]),
      SLOW,
    );
    expect((await sessionsOf(email, PASSWORD)).filter((name) => name === 'phone')).toEqual(['phone']);

    await phone.api.lock();
    await laptop.api.lock();
  });

  it('refuses offline a wrong password, and a tampered or downgraded remembered envelope', async () => {
    const email = await registerAccount();
    const phone = device('phone');
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    await phone.api.lock();
    const good = phone.remembered.get(email) as RememberedAccount;
    phone.setOnline(false);

    expect(await phone.api.signIn(real.url, email, 'not the password')).toEqual({
      ok: false,
      error: { type: 'WrongPassword' },
    });
    expect(phone.api.query('tags')).toEqual({ ok: false, error: { type: 'NotSignedIn' } });

    const flip = (b64: string) => `${b64[0] === 'A' ? 'B' : 'A'}${b64.slice(1)}`;
    phone.remembered.set(email, {
      ...good,
      vault: { ...good.vault, wrappedMasterKey: flip(good.vault.wrappedMasterKey) },
    });
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toEqual({
      ok: false,
      error: { type: 'WrongPassword' },
    });

    // Another account's envelope (bound to its own e-mail) does not open as this one.
    const other = await registerAccount();
    const otherDevice = device('other');
    expect(await otherDevice.api.signIn(real.url, other, PASSWORD)).toMatchObject({ ok: true });
    await otherDevice.api.lock();
    const swapped = { ...good, vault: (otherDevice.remembered.get(other) as RememberedAccount).vault };
    phone.remembered.set(email, swapped);
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toEqual({
      ok: false,
      error: { type: 'WrongPassword' },
    });

    for (const kdfParams of [
      { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 },
      { algorithm: 'pbkdf2-sha256', iterations: 1000 },
      { algorithm: 'scrypt', n: 2 },
    ]) {
      phone.remembered.set(email, { ...good, vault: { ...good.vault, kdfParams } });
      expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({
        ok: false,
        error: { type: 'KdfRefused' },
      });
    }

    phone.remembered.set(email, good);
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    await phone.api.lock();
  });

  it('a password changed elsewhere: the offline unlock keeps the library readable, the server refuses, and the new password takes over', async () => {
    const email = await registerAccount();
    const phone = device('phone');
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    await createTag(phone.api, 'Kept');
    await vi.waitFor(() => expect(phone.api.status()).toMatchObject({ state: 'idle' }), SLOW);
    await phone.api.lock();

    const auth = createAuthClient({ baseUrl: real.url });
    const elsewhere = await signIn(auth, email, PASSWORD, 'laptop');
    if (!elsewhere.ok) throw new Error('laptop sign-in');
    const { login, vault } = elsewhere.value;
    const changed = await changeAccountPassword(
      auth,
      async () => login.accessToken,
      vault,
      PASSWORD,
      NEW_PASSWORD,
    );
    expect(changed.ok).toBe(true);
    lockVault(vault);

    phone.setOnline(false);
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    phone.setOnline(true);
    await vi.waitFor(() => expect(phone.api.serverSignIn()).toBe('refused'), SLOW);
    await vi.waitFor(() => expect(phone.api.status()).toMatchObject({ state: 'halted' }), SLOW);
    expect(tagNames(phone.api)).toEqual(['Kept']);
    await phone.api.lock();

    // The new password does not open the remembered envelope; online, the server's does, and replaces it.
    expect(await phone.api.signIn(real.url, email, NEW_PASSWORD)).toMatchObject({ ok: true });
    expect(phone.api.serverSignIn()).toBe('signedIn');
    await phone.api.lock();
    phone.setOnline(false);
    expect(await phone.api.signIn(real.url, email, NEW_PASSWORD)).toMatchObject({ ok: true });
    expect(tagNames(phone.api)).toEqual(['Kept']);
    await phone.api.lock();
  });

  it('a session signed out from another device: sync halts as refused, the library stays readable, and the next unlock signs in again', async () => {
    const email = await registerAccount();
    const phone = device('phone');
    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(phone.api.status()).toMatchObject({ state: 'idle' }), SLOW);

    const auth = createAuthClient({ baseUrl: real.url });
    const laptop = await signIn(auth, email, PASSWORD, 'laptop');
    if (!laptop.ok) throw new Error('laptop sign-in');
    lockVault(laptop.value.vault);
    const token = async () => laptop.value.login.accessToken;
    const listed = await auth.listSessions(token);
    if (!listed.ok) throw new Error('sessions');
    const phoneSession = listed.value.sessions.find((s) => s.deviceName === 'phone');
    expect((await auth.revokeSession(token, phoneSession!.id)).ok).toBe(true);

    await createTag(phone.api, 'Written after the sign-out');
    await vi.waitFor(() => expect(phone.api.serverSignIn()).toBe('refused'), SLOW);
    expect(phone.api.status()).toMatchObject({ state: 'halted' });
    expect(tagNames(phone.api)).toEqual(['Written after the sign-out']);
    await phone.api.lock();

    expect(await phone.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(phone.api.serverSignIn()).toBe('signedIn'), SLOW);
    await vi.waitFor(() => expect(phone.api.status()).toMatchObject({ state: 'idle' }), SLOW);
    await phone.api.lock();
    const other = device('tablet');
    expect(await other.api.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(tagNames(other.api)).toEqual(['Written after the sign-out']), SLOW);
    await other.api.lock();
  });
});
