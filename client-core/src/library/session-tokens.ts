/**
 * @module A signed-in session's access token, refreshed before it expires (access tokens live minutes; without
 * this, sync and blob transfers stop with 401 a quarter of an hour after sign-in). One refresh at a time: every
 * caller waiting for a token shares it. A refresh the server refuses keeps answering the old token, whose 401
 * then reports the problem where the request was made.
 */
import type { TokenPair } from '@halyon/protocol';
import type { AuthClient } from '../transport/auth-client';

/** Refresh this long before the access token's expiry, so a request never leaves with a dying token. */
const REFRESH_MARGIN_MS = 60_000;

export interface SessionTokens {
  readonly accessToken: () => Promise<string>;
}

export const createSessionTokens = (
  auth: Pick<AuthClient, 'refresh'>,
  initial: TokenPair,
  now: () => number = Date.now,
): SessionTokens => {
  let tokens = initial;
  let refreshing: Promise<void> | null = null;
  const refresh = async () => {
    const refreshed = await auth.refresh(tokens.refreshToken);
    if (refreshed.ok) tokens = refreshed.value;
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
