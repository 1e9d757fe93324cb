/**
 * @module The account and sync commands (register, login, status, sync), as functions of their inputs and a small
 * IO interface, so tests run them in-process against a real server. Library, upload and export commands are in
 * library-commands.ts, upload.ts and export.ts.
 */
import { createVault, DEFAULT_KDF_PARAMS, lockVault, prepareKdf } from '../crypto';
import { describeSignInError, normaliseEmail, signIn } from '../library/account';
import { type AuthClient, createAuthClient } from '../transport/auth-client';
import { openFileStore } from './file-store';
import { forgetLocalData, readSession, storePath, writeSession } from './session';
import { type CliIo, type ExitCode, fail, syncOrFail, withClient } from './signed-in';

/** Signs in, checks the vault opens, and saves the session (a new account or server starts a new local store). */
const logIn = async (io: CliIo, auth: AuthClient, server: string, email: string, password: string) => {
  const signedIn = await signIn(auth, email, password, 'halyon-cli');
  if (!signedIn.ok) return fail(io, describeSignInError(signedIn.error));
  const { login, vault } = signedIn.value;
  lockVault(vault);
  const previous = await readSession(io.home);
  if (previous && (previous.email !== email || previous.server !== server)) await forgetLocalData(io.home);
  await writeSession(io.home, {
    server,
    email,
    userId: login.userId,
    accessToken: login.accessToken,
    accessTokenExpiresAt: login.accessTokenExpiresAt,
    refreshToken: login.refreshToken,
    refreshTokenExpiresAt: login.refreshTokenExpiresAt,
    vault: login.vault,
  });
  io.print(`logged in as ${email}`);
  return 0;
};

export const register = async (io: CliIo, server: string, rawEmail: string): Promise<ExitCode> => {
  const email = normaliseEmail(rawEmail);
  prepareForPassword();
  const password = await io.promptPassword('New password: ');
  if (password.length < 10) return fail(io, 'use a password of at least 10 characters');
  if ((await io.promptPassword('Repeat it: ')) !== password) return fail(io, 'the passwords differ');
  const created = await createVault(password, email);
  if (!created.ok) return fail(io, `could not create the vault (${created.error.type})`);
  const { vault, envelope, identityBundle, authKeyB64, recoveryAuthKeyB64, recoveryWords } = created.value;
  lockVault(vault);
  const auth = createAuthClient({ baseUrl: server, fetch: io.fetch });
  const registered = await auth.register({
    email,
    authKey: authKeyB64,
    recoveryAuthKey: recoveryAuthKeyB64,
    vault: envelope,
    identity: identityBundle,
  });
  if (!registered.ok) return fail(io, describeSignInError({ type: 'Transport', error: registered.error }));
  io.print('Your recovery words (write them down; they are the only way back in without the password):');
  io.print(`  ${recoveryWords.join(' ')}`);
  return logIn(io, auth, server, email, password);
};

/** Readies the KDF for the password being typed (the default params; a server's may differ). */
const prepareForPassword = () => void prepareKdf(DEFAULT_KDF_PARAMS).catch(() => {});

export const login = async (io: CliIo, server: string, rawEmail: string): Promise<ExitCode> => {
  prepareForPassword();
  const auth = createAuthClient({ baseUrl: server, fetch: io.fetch });
  return logIn(io, auth, server, normaliseEmail(rawEmail), await io.promptPassword('Password: '));
};

export const sync = (io: CliIo): Promise<ExitCode> =>
  withClient(io, async ({ client }) => {
    client.engine.subscribe((event) => {
      if (event.type === 'opParked')
        io.printError(`kept back by the server (${event.code}): ${event.key.recordId}`);
      if (event.type === 'superseded')
        io.printError(`an edit lost to a delete elsewhere: ${event.key.recordId}`);
    });
    const report = await syncOrFail(io, client);
    if (!report) return 1;
    io.print(`pushed ${report.pushed}, pulled ${report.pulled}, ${report.outboxLeft} change(s) waiting`);
    return 0;
  });

/** What this device holds and owes, without the password (the store is ciphertext). */
export const status = async (io: CliIo, { json = false } = {}): Promise<ExitCode> => {
  const session = await readSession(io.home);
  if (!session) {
    io.print(json ? JSON.stringify({ loggedIn: false }) : 'not logged in');
    return 0;
  }
  const files = await openFileStore(storePath(io.home));
  try {
    const { store } = files;
    const outbox = await store.listOutbox();
    const parked = outbox.filter((op) => op.parked !== null).length;
    const facts = {
      loggedIn: true,
      server: session.server,
      account: session.email,
      records: (await store.listRecords()).length,
      changesWaiting: outbox.length - parked,
      changesKeptBack: parked,
      serverEpoch: (await store.getServerEpoch()) ?? null,
    };
    if (json) {
      io.print(JSON.stringify(facts));
      return 0;
    }
    io.print(`server: ${facts.server}`);
    io.print(`account: ${facts.account}`);
    io.print(`records held: ${facts.records}`);
    io.print(
      `changes waiting to sync: ${facts.changesWaiting}${parked ? `, kept back by the server: ${parked}` : ''}`,
    );
    io.print(`server epoch: ${facts.serverEpoch ?? 'not synced yet'}`);
    return 0;
  } finally {
    await files.close();
  }
};
