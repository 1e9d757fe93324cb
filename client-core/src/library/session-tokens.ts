/**
 * @module A session on the server: its access token, refreshed before it expires (access tokens live minutes;
 * without this, sync and blob transfers stop with 401 a quarter of an hour after sign-in). One refresh at a time:
 * every caller waiting for a token shares it. A refresh the server refuses keeps answering the old token, whose
 * 401 then reports the problem where the request was made.
 *
 * A vault unlocked on the device has no session yet: `createServerSession` logs in the first time a token is
 * asked for (sync and blob requests ask), so an unlock needs no network and the session opens once the server is
 * reachable. A refused login or refresh (password changed elsewhere, session revoked) is final for this session:
 * it stops trying and says so (`refused`) until the person signs in with their password again.
 */
import type { LoginResponse, TokenPair } from '@halyon/protocol';
import type { Result } from '../result';
import { isRetryable, type TransportError } from '../sync/transport';
import type { AuthClient } from '../transport/auth-client';

/** Refresh this long before the access token's expiry, so a request never leaves with a dying token. */
const REFRESH_MARGIN_MS = 60_000;

export interface SessionTokens {
  readonly accessToken: () => Promise<string>;
}

/** The server said no (as opposed to not answering, or failing for now): asking again the same way cannot help. */
export const isRefusal = (error: TransportError): boolean =>
  error.type === 'ProblemResponse' && !isRetryable(error);

export const createSessionTokens = (
  auth: Pick<AuthClient, 'refresh'>,
  initial: TokenPair,
  now: () => number = Date.now,
  onRefused?: () => void,
): SessionTokens => {
  let tokens = initial;
  let refreshing: Promise<void> | null = null;
  const refresh = async () => {
    const refreshed = await auth.refresh(tokens.refreshToken);
    if (refreshed.ok) tokens = refreshed.value;
    else if (isRefusal(refreshed.error)) onRefused?.();
  };
  return {
    async accessToken() {
      if (tokens.accessTokenExpiresAt - now() <= REFRESH_MARGIN_MS) {
        refreshing ??= refresh().finally(() => {
          refreshing = null;
        });
        await refreshing;
      }
      return tokens.accessToken;
    },
  };
};

/** `waiting`: not signed in to the server yet (offline, or not reached); `refused`: see the module comment. */
export type ServerSignIn = 'waiting' | 'signedIn' | 'refused';

export interface ServerSession {
  readonly state: () => ServerSignIn;
  /** The session's id on the server once signed in (to end it, or to find it in the devices list). */
  readonly sessionId: () => string | null;
  /** Signs in first if need be; '' while that is impossible (the request then fails as unauthenticated). */
  readonly accessToken: () => Promise<string>;
  /** Signs in now if not yet (e.g. when the network returns); resolves once tried. */
  readonly signIn: () => Promise<ServerSignIn>;
  /** The server refused a request made with this session's token (it was ended, e.g. signed out elsewhere). */
  readonly refused: () => void;
}

export interface ServerSessionDeps {
  readonly auth: Pick<AuthClient, 'refresh'>;
  /** Logs in (with the auth key the unlock derived). Not called again once the session is open or refused. */
  readonly logIn: () => Promise<Result<LoginResponse, TransportError>>;
  /** Already signed in (a password sign-in): no login needed. */
  readonly initial?: LoginResponse;
  readonly onState?: (state: ServerSignIn, login: LoginResponse | null) => void;
  readonly now?: () => number;
}

export const createServerSession = (deps: ServerSessionDeps): ServerSession => {
  let state: ServerSignIn = 'waiting';
  let tokens: SessionTokens | null = null;
  let sessionId: string | null = null;
  let signingIn: Promise<void> | null = null;
  const setState = (next: ServerSignIn, login: LoginResponse | null) => {
    state = next;
    deps.onState?.(next, login);
  };
  const open = (login: LoginResponse) => {
    tokens = createSessionTokens(deps.auth, login, deps.now, () => setState('refused', null));
    sessionId = login.sessionId;
    setState('signedIn', login);
  };
  const logIn = async () => {
    const answer = await deps.logIn();
    if (answer.ok) open(answer.value);
    else if (isRefusal(answer.error)) setState('refused', null);
  };
  const signIn = async () => {
    if (state === 'waiting') {
      signingIn ??= logIn().finally(() => {
        signingIn = null;
      });
      await signingIn;
    }
    return state;
  };
  if (deps.initial) open(deps.initial);
  return {
    state: () => state,
    sessionId: () => sessionId,
    signIn,
    refused: () => {
      if (state !== 'refused') setState('refused', null);
    },
    async accessToken() {
      await signIn();
      return tokens && state === 'signedIn' ? tokens.accessToken() : '';
    },
  };
};
