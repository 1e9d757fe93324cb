import { describe, expect, it } from 'vitest';
import { createVault, lockVault } from '../crypto';
import { useRealServer } from '../testing/real-server';
import { createAuthClient } from '../transport/auth-client';
import { signIn } from './account';
import { createSessionTokens } from './session-tokens';

const real = useRealServer();

const PASSWORD = 'a long enough test password';

const signedInSession = async () => {
  const email = `tokens-${Date.now()}-${Math.random()}@example.test`;
  const created = await createVault(PASSWORD, email);
  if (!created.ok) throw new Error('vault');
  const auth = createAuthClient({ baseUrl: real.url });
  const { envelope, identityBundle, authKeyB64 } = created.value;
  lockVault(created.value.vault);
  const registered = await auth.register({
    email,
    authKey: authKeyB64,
    vault: envelope,
    identity: identityBundle,
  });
  if (!registered.ok) throw new Error('register');
  const signedIn = await signIn(auth, email, PASSWORD, 'tokens test');
  if (!signedIn.ok) throw new Error('sign in');
  lockVault(signedIn.value.vault);
  return { auth, login: signedIn.value.login };
};

const collectionsStatus = async (token: string) =>
  (await fetch(`${real.url}/v1/collections`, { headers: { Authorization: `Bearer ${token}` } })).status;

describe('session tokens', () => {
  it('keeps the access token while it is fresh', async () => {
    const { auth, login } = await signedInSession();
    const tokens = createSessionTokens(auth, login, () => login.accessTokenExpiresAt - 10 * 60_000);
    expect(await tokens.accessToken()).toBe(login.accessToken);
  });

  it('refreshes a token about to expire once for concurrent callers, and the server takes the new one', async () => {
    const { auth, login } = await signedInSession();
    let refreshes = 0;
    const counting = {
      refresh: (token: string) => {
        refreshes++;
        return auth.refresh(token);
      },
    };
    const tokens = createSessionTokens(counting, login, () => login.accessTokenExpiresAt - 1000);
    const [a, b] = await Promise.all([tokens.accessToken(), tokens.accessToken()]);
    expect(refreshes).toBe(1);
    expect(a).toBe(b);
    expect(a).not.toBe(login.accessToken);
    expect(await collectionsStatus(a)).toBe(200);
  });

  it('answers the old token when the refresh is refused', async () => {
    const { auth, login } = await signedInSession();
    const tokens = createSessionTokens(
      auth,
      { ...login, refreshToken: 'not-a-refresh-token' },
      () => login.accessTokenExpiresAt,
    );
    expect(await tokens.accessToken()).toBe(login.accessToken);
  });
});
