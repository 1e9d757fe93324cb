/**
 * @module What every CLI command shares: its IO, its exit codes, and `withClient`, which asks for the password,
 * opens the vault and the local store, and hands a signed-in client to the command. The password is only ever
 * read from the prompt (never a flag or the environment), used to derive keys, and dropped.
 */
import { lockVault, type MasterKey, prepareKdf } from '../crypto';
import { describeSignInError, unlockWithPassword } from '../library/account';
import { type HalyonClient, openHalyonClient } from '../library/client';
import type { SyncReport } from '../sync/engine';
import type { TransportError } from '../sync/transport';
import { createAuthClient } from '../transport/auth-client';
import { createFetchTransport } from '../transport/fetch-transport';
import { openFileStore } from './file-store';
import { type CliSession, readSession, storePath, writeSession } from './session';

export interface CliIo {
  /** The CLI's directory (session, local store, upload queue). */
  readonly home: string;
  /** Results, for people and scripts (stdout). */
  readonly print: (line: string) => void;
  /** Errors and warnings (stderr). */
  readonly printError: (line: string) => void;
  /** A progress line that the next one replaces (stderr, on a terminal only). */
  readonly progress?: (line: string) => void;
  /** Asks for a secret on the terminal without echoing it. */
  readonly promptPassword: (question: string) => Promise<string>;
  /** Aborted on Ctrl-C: long commands stop cleanly and say how to carry on. */
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** How long the network may stay down during an upload before the command gives up (default 60 s). */
  readonly offlinePatienceMs?: number;
  /** The upload queue's backoff between retries (tests shorten it). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/** 130 is the shell's code for a command stopped by Ctrl-C. */
export type ExitCode = 0 | 1 | 130;

export const fail = (io: CliIo, message: string): ExitCode => {
  io.printError(`error: ${message}`);
  return 1;
};

/**
 * User data (file, tag and album names, possibly from another member) as one printable line: control characters,
 * line breaks and bidirectional overrides would otherwise become terminal escapes or disguise a name.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters being escaped
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export const printable = (text: string): string =>
  text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A failed request to the server, as one line for an `error:` message. */
export const describeTransportError = (error: TransportError): string => {
  switch (error.type) {
    case 'NetworkFailure':
      return `cannot reach the server (${error.message})`;
    case 'ProblemResponse':
      return printable(error.problem.detail ?? error.problem.title);
    case 'InvalidResponse':
      return `unexpected answer from the server (${error.status}: ${error.reason})`;
  }
};

const REFRESH_MARGIN_MS = 60_000;

/**
 * The session's access token, refreshed (and the new pair saved) when it is about to expire: an upload or an
 * export can outlast an access token. One refresh at a time. A refresh that fails keeps the old token, whose 401
 * then reports the problem where the request was made; offline, commands that need no server still work.
 */
const createCliTokens = (io: CliIo, initial: CliSession) => {
  let session = initial;
  let refreshing: Promise<void> | null = null;
  /** The server refused the refresh token (expired or revoked): only logging in again helps. */
  let refused = false;
  const now = io.now ?? Date.now;
  const auth = createAuthClient({ baseUrl: session.server, fetch: io.fetch });
  const refresh = async () => {
    const refreshed = await auth.refresh(session.refreshToken);
    if (!refreshed.ok) {
      refused = refreshed.error.type === 'ProblemResponse';
      return;
    }
    session = { ...session, ...refreshed.value };
    await writeSession(io.home, session);
  };
  return {
    /** Refreshes if needed; false when the server says this session is over. */
    async ensureFresh(): Promise<boolean> {
      if (session.accessTokenExpiresAt - now() > REFRESH_MARGIN_MS) return true;
      refreshing ??= refresh().finally(() => {
        refreshing = null;
      });
      await refreshing;
      return !refused;
    },
    async accessToken(): Promise<string> {
      await this.ensureFresh();
      return session.accessToken;
    },
  };
};

export interface SignedIn {
  readonly client: HalyonClient;
  readonly session: CliSession;
  readonly masterKey: MasterKey;
  readonly accessToken: () => Promise<string>;
  /** Saves the local store now (it is also saved when the command ends). */
  readonly save: () => Promise<void>;
}

const NOT_LOGGED_IN = 'not logged in (run: halyon login --server URL --email ADDRESS)';
const SESSION_EXPIRED = 'the session has expired; log in again';

/** Runs `use` with the saved session and its access token (refreshed as needed): for commands without the vault. */
export const withSession = async (
  io: CliIo,
  use: (session: CliSession, accessToken: () => Promise<string>) => Promise<ExitCode>,
): Promise<ExitCode> => {
  const session = await readSession(io.home);
  if (!session) return fail(io, NOT_LOGGED_IN);
  const tokens = createCliTokens(io, session);
  if (!(await tokens.ensureFresh())) return fail(io, SESSION_EXPIRED);
  return use(session, () => tokens.accessToken());
};

/** Asks for the password, opens the vault and the local store, and runs `use` with a signed-in client. */
export const withClient = async (
  io: CliIo,
  use: (signedIn: SignedIn) => Promise<ExitCode>,
): Promise<ExitCode> => {
  const session = await readSession(io.home);
  if (!session) return fail(io, NOT_LOGGED_IN);
  const tokens = createCliTokens(io, session);
  if (!(await tokens.ensureFresh())) return fail(io, SESSION_EXPIRED);
  // The KDF's memory is made ready while the password is typed. See: [Note: Argon2 memory is faulted in ahead]
  void prepareKdf(session.vault.kdfParams).catch(() => {});
  const unlocked = await unlockWithPassword(
    session.vault,
    session.email,
    await io.promptPassword('Password: '),
  );
  if (!unlocked.ok) return fail(io, describeSignInError(unlocked.error));
  const vault = unlocked.value;
  const files = await openFileStore(storePath(io.home));
  const accessToken = () => tokens.accessToken();
  const transport = createFetchTransport({ baseUrl: session.server, accessToken, fetch: io.fetch });
  const client = await openHalyonClient({ store: files.store, transport, masterKey: vault.masterKey });
  try {
    return await use({ client, session, masterKey: vault.masterKey, accessToken, save: files.save });
  } finally {
    await client.lock();
    lockVault(vault);
    await files.close();
  }
};

/** One sync round; on failure prints why (after `context`) and answers null. */
export const syncOrFail = async (
  io: CliIo,
  client: HalyonClient,
  context = '',
): Promise<SyncReport | null> => {
  const result = await client.sync();
  if (result.ok) return result.value;
  const e = result.error;
  const why =
    e.type === 'Transport'
      ? describeSignInError(e)
      : e.type === 'ServerEpochChanged'
        ? 'the server was restored from a backup (its epoch changed); nothing from it was applied'
        : `refused what the server sent: ${JSON.stringify(e)}`;
  fail(io, `${context}${why}`);
  return null;
};
