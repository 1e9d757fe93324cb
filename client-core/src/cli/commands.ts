/**
 * @module The CLI's commands, as functions of their inputs and a small IO interface, so tests run them in-process
 * against a real server. The password is only ever read from the prompt (never a flag or the environment), used
 * to derive keys, and dropped.
 */
import { createVault, lockVault } from '../crypto';
import { describeSignInError, normaliseEmail, signIn, unlockWithPassword } from '../library/account';
import { type HalyonClient, openHalyonClient } from '../library/client';
import { type AuthClient, createAuthClient } from '../transport/auth-client';
import { createFetchTransport } from '../transport/fetch-transport';
import { openFileStore } from './file-store';
import { type CliSession, forgetLocalData, readSession, storePath, writeSession } from './session';

export interface CliIo {
  /** The CLI's directory (session and local store). */
  readonly home: string;
  readonly print: (line: string) => void;
  /** Asks for a secret on the terminal without echoing it. */
  readonly promptPassword: (question: string) => Promise<string>;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

export type ExitCode = 0 | 1;

const fail = (io: CliIo, message: string): ExitCode => {
  io.print(`error: ${message}`);
  return 1;
};

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
  const password = await io.promptPassword('New password: ');
  if (password.length < 10) return fail(io, 'use a password of at least 10 characters');
  if ((await io.promptPassword('Repeat it: ')) !== password) return fail(io, 'the passwords differ');
  const created = await createVault(password, email);
  if (!created.ok) return fail(io, `could not create the vault (${created.error.type})`);
  const { vault, envelope, identityBundle, authKeyB64, recoveryWords } = created.value;
  lockVault(vault);
  const auth = createAuthClient({ baseUrl: server, fetch: io.fetch });
  const registered = await auth.register({
    email,
    authKey: authKeyB64,
    vault: envelope,
    identity: identityBundle,
  });
  if (!registered.ok) return fail(io, describeSignInError({ type: 'Transport', error: registered.error }));
  io.print('Your recovery words (write them down; they are the only way back in without the password):');
  io.print(`  ${recoveryWords.join(' ')}`);
  return logIn(io, auth, server, email, password);
};

export const login = async (io: CliIo, server: string, rawEmail: string): Promise<ExitCode> =>
  logIn(
    io,
    createAuthClient({ baseUrl: server, fetch: io.fetch }),
    server,
    normaliseEmail(rawEmail),
    await io.promptPassword('Password: '),
  );

/** Refreshes the access token when it is about to expire; saves the new pair. */
const freshSession = async (io: CliIo, session: CliSession): Promise<CliSession | null> => {
  const now = (io.now ?? Date.now)();
  if (session.accessTokenExpiresAt - now > 60_000) return session;
  const refreshed = await createAuthClient({ baseUrl: session.server, fetch: io.fetch }).refresh(
    session.refreshToken,
  );
  if (!refreshed.ok) return null;
  const next = { ...session, ...refreshed.value };
  await writeSession(io.home, next);
  return next;
};

/** Asks for the password, opens the vault and the local store, and runs `use` with a signed-in client. */
const withClient = async (
  io: CliIo,
  use: (client: HalyonClient, session: CliSession) => Promise<ExitCode>,
): Promise<ExitCode> => {
  const stored = await readSession(io.home);
  if (!stored) return fail(io, 'not logged in (run: halyon login --server URL --email ADDRESS)');
  const session = await freshSession(io, stored);
  if (!session) return fail(io, 'the session has expired; log in again');
  const unlocked = await unlockWithPassword(
    session.vault,
    session.email,
    await io.promptPassword('Password: '),
  );
  if (!unlocked.ok) return fail(io, describeSignInError(unlocked.error));
  const vault = unlocked.value;
  const files = await openFileStore(storePath(io.home));
  const transport = createFetchTransport({
    baseUrl: session.server,
    accessToken: () => session.accessToken,
    fetch: io.fetch,
  });
  const client = await openHalyonClient({ store: files.store, transport, masterKey: vault.masterKey });
  try {
    return await use(client, session);
  } finally {
    client.lock();
    lockVault(vault);
    await files.close();
  }
};

export const sync = (io: CliIo): Promise<ExitCode> =>
  withClient(io, async (client) => {
    client.engine.subscribe((event) => {
      if (event.type === 'opParked')
        io.print(`kept back by the server (${event.code}): ${event.key.recordId}`);
      if (event.type === 'superseded') io.print(`an edit lost to a delete elsewhere: ${event.key.recordId}`);
    });
    const result = await client.sync();
    if (!result.ok) {
      const e = result.error;
      if (e.type === 'Transport') return fail(io, describeSignInError(e));
      if (e.type === 'ServerEpochChanged') {
        return fail(
          io,
          'the server was restored from a backup (its epoch changed); nothing from it was applied',
        );
      }
      return fail(io, `refused what the server sent: ${JSON.stringify(e)}`);
    }
    const { pushed, pulled, outboxLeft } = result.value;
    io.print(`pushed ${pushed}, pulled ${pulled}, ${outboxLeft} change(s) waiting`);
    return 0;
  });

export type ListWhat = 'photos' | 'tags' | 'albums' | 'trash';

export const list = (io: CliIo, what: ListWhat): Promise<ExitCode> =>
  withClient(io, async (client) => {
    const q = client.library.queries;
    // Printed as JSON lines: names are user data (possibly from another member) and must not become terminal escapes.
    const line = (value: unknown) => io.print(JSON.stringify(value));
    switch (what) {
      case 'photos':
        for (const group of q.timeline())
          for (const p of group.photos)
            line({ id: p.id, day: group.day, fileName: p.fileName, caption: p.caption });
        break;
      case 'tags':
        for (const t of q.tags()) line({ id: t.id, name: t.name, photos: t.photoCount });
        break;
      case 'albums':
        for (const a of q.albums()) line({ id: a.id, name: a.name, photos: a.photoCount });
        break;
      case 'trash':
        for (const p of q.trash()) line({ id: p.id, fileName: p.fileName, trashedAt: p.trashedAt });
        break;
    }
    return 0;
  });

/** What this device holds and owes, without the password (the store is ciphertext). */
export const status = async (io: CliIo): Promise<ExitCode> => {
  const session = await readSession(io.home);
  if (!session) {
    io.print('not logged in');
    return 0;
  }
  const files = await openFileStore(storePath(io.home));
  try {
    const { store } = files;
    const outbox = await store.listOutbox();
    const parked = outbox.filter((op) => op.parked !== null).length;
    io.print(`server: ${session.server}`);
    io.print(`account: ${session.email}`);
    io.print(`records held: ${(await store.listRecords()).length}`);
    io.print(
      `changes waiting to sync: ${outbox.length - parked}${parked ? `, kept back by the server: ${parked}` : ''}`,
    );
    io.print(`server epoch: ${(await store.getServerEpoch()) ?? 'not synced yet'}`);
    return 0;
  } finally {
    await files.close();
  }
};
