/**
 * The account flows against the real server (in-process, on a socket): change the password, recover with the
 * words. The master key must come out the same, so records written before still decrypt.
 */
import { describe, expect, it } from 'vitest';
import { createVault, lockVault } from '../crypto';
import { openMemoryStore } from '../store/test-store';
import { useRealServer } from '../testing/real-server';
import { createAuthClient } from '../transport/auth-client';
import { createFetchTransport } from '../transport/fetch-transport';
import {
  changeAccountPassword,
  listAccountSessions,
  recoverAccount,
  rotateAccountRecoveryKey,
  signIn,
} from './account';
import { openHalyonClient } from './client';

const real = useRealServer();

const PASSWORD = 'the first long password';
const NEW_PASSWORD = 'a second, different password';

/** Registers as the web app and the CLI do (with the recovery auth key); returns the words. */
const registerAccount = async () => {
  const email = `account-${Date.now()}-${Math.random()}@example.test`;
  const created = await createVault(PASSWORD, email);
  if (!created.ok) throw new Error('vault');
  const { envelope, identityBundle, authKeyB64, recoveryAuthKeyB64, recoveryWords, vault } = created.value;
  lockVault(vault);
  const auth = createAuthClient({ baseUrl: real.url });
  const registered = await auth.register({
    email,
    authKey: authKeyB64,
    recoveryAuthKey: recoveryAuthKeyB64,
    vault: envelope,
    identity: identityBundle,
  });
  if (!registered.ok) throw new Error('register');
  return { auth, email, recoveryWords };
};

const signInOrThrow = async (auth: ReturnType<typeof createAuthClient>, email: string, password: string) => {
  const signedIn = await signIn(auth, email, password, 'account test');
  if (!signedIn.ok) throw new Error(`sign in: ${signedIn.error.type}`);
  return signedIn.value;
};

/** Writes a tag (an encrypted record) through a client on this master key, synced to the server. */
const writeLibrary = async (accessToken: string, masterKey: Uint8Array) => {
  const client = await openHalyonClient({
    store: await openMemoryStore(),
    transport: createFetchTransport({ baseUrl: real.url, accessToken: () => accessToken }),
    masterKey: masterKey as never,
  });
  await client.library.createTag('Holidays');
  const synced = await client.sync();
  if (!synced.ok) throw new Error('sync');
  client.lock();
};

const readTags = async (accessToken: string, masterKey: Uint8Array) => {
  const client = await openHalyonClient({
    store: await openMemoryStore(),
    transport: createFetchTransport({ baseUrl: real.url, accessToken: () => accessToken }),
    masterKey: masterKey as never,
  });
  const synced = await client.sync();
  if (!synced.ok) throw new Error(`sync: ${JSON.stringify(synced.error)}`);
  const names = client.library.queries.tags().map((t) => t.name);
  client.lock();
  return names;
};

describe('account against the real server', () => {
  it('changes the password: the new one signs in to the same master key, the old one no longer does', async () => {
    const { auth, email } = await registerAccount();
    const first = await signInOrThrow(auth, email, PASSWORD);
    const masterKey = first.vault.masterKey.slice();
    const tokens = () => Promise.resolve(first.login.accessToken);

    const wrong = await changeAccountPassword(auth, tokens, first.vault, 'not the password', NEW_PASSWORD);
    expect(wrong).toEqual({ ok: false, error: { type: 'WrongPassword' } });

    expect(await changeAccountPassword(auth, tokens, first.vault, PASSWORD, NEW_PASSWORD)).toEqual({
      ok: true,
      value: {
        kdfParams: expect.any(Object),
        salt: expect.any(String),
        wrappedMasterKey: expect.any(String),
      },
    });
    const old = await signIn(auth, email, PASSWORD, 'account test');
    expect(old.ok).toBe(false);
    const again = await signInOrThrow(auth, email, NEW_PASSWORD);
    expect(again.vault.masterKey).toEqual(masterKey);
    // This session carried on through the change.
    const sessions = await listAccountSessions(auth, tokens);
    expect(sessions.ok && sessions.value.find((s) => s.current)?.id).toBe(first.login.sessionId);
  });

  it('recovers with the words: a new password, the same master key, and the library still decrypts', async () => {
    const { auth, email, recoveryWords } = await registerAccount();
    const before = await signInOrThrow(auth, email, PASSWORD);
    await writeLibrary(before.login.accessToken, before.vault.masterKey);
    const masterKey = before.vault.masterKey.slice();

    const wrongWords = [...recoveryWords].reverse();
    const refused = await recoverAccount(auth, email, wrongWords, NEW_PASSWORD, 'recovered');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && ['InvalidRecoveryPhrase', 'WrongRecoveryKey']).toContain(
      !refused.ok && refused.error.type,
    );
    const unknown = await recoverAccount(auth, 'nobody@example.test', recoveryWords, NEW_PASSWORD, 'x');
    expect(unknown).toEqual({ ok: false, error: { type: 'WrongRecoveryKey' } });

    const recovered = await recoverAccount(auth, email, recoveryWords.join(' '), NEW_PASSWORD, 'recovered');
    if (!recovered.ok) throw new Error(`recover: ${recovered.error.type}`);
    expect(recovered.value.vault.masterKey).toEqual(masterKey);
    // Every earlier session ended with the recovery.
    const oldSession = await listAccountSessions(auth, () => Promise.resolve(before.login.accessToken));
    expect(oldSession.ok).toBe(false);

    expect((await signIn(auth, email, PASSWORD, 'account test')).ok).toBe(false);
    const after = await signInOrThrow(auth, email, NEW_PASSWORD);
    expect(after.vault.masterKey).toEqual(masterKey);
    expect(await readTags(after.login.accessToken, after.vault.masterKey)).toEqual(['Holidays']);
  });

  it('rotates the recovery key: the old words stop working, the new ones recover', async () => {
    const { auth, email, recoveryWords } = await registerAccount();
    const signedIn = await signInOrThrow(auth, email, PASSWORD);
    const tokens = () => Promise.resolve(signedIn.login.accessToken);
    expect(await rotateAccountRecoveryKey(auth, tokens, signedIn.vault, 'wrong')).toEqual({
      ok: false,
      error: { type: 'WrongPassword' },
    });
    const rotated = await rotateAccountRecoveryKey(auth, tokens, signedIn.vault, PASSWORD);
    if (!rotated.ok) throw new Error('rotate');
    expect(await recoverAccount(auth, email, recoveryWords, NEW_PASSWORD, 'x')).toEqual({
      ok: false,
      error: { type: 'WrongRecoveryKey' },
    });
    const recovered = await recoverAccount(auth, email, rotated.value.recoveryWords, NEW_PASSWORD, 'x');
    expect(recovered.ok && recovered.value.vault.masterKey).toEqual(signedIn.vault.masterKey);
  });
});
