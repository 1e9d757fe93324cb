/**
 * Changing the password, recovery with the recovery key, and the sessions list, through the real routes (PGlite,
 * or PostgreSQL when DATABASE_URL is set). Key material is random: the server treats it as opaque.
 */
import { randomBytes } from 'node:crypto';
import {
  CompleteRecoveryResponse,
  LoginResponse,
  type PasswordWrap,
  type Problem,
  RecoverResponse,
  type RegisterRequest,
  SessionList,
} from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newRegisterRequest,
  startTestServer,
  type TestResponse,
  type TestServer,
} from '../../test/test-server';
import { RECOVERY_TOKEN_TTL_MS } from './auth.service';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    env: {
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCKOUT_BASE_MS: '60000',
      LOGIN_IP_MAX_FAILURES: '10',
      TRUST_PROXY: 'true',
    },
  });
});
afterAll(async () => {
  await server?.close();
});

let ipCounter = 0;
/** Each call comes from its own address, so per-address throttling only shows where a test asks for it. */
const freshIp = () => `198.51.100.${++ipCounter % 250}`;
const key = () => randomBytes(32).toString('base64');
const withoutRequestId = (problem: Problem) => ({ ...problem, requestId: undefined });

function call<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  ip = freshIp(),
): Promise<TestResponse<T>> {
  return server.json<T>(method, path, body, token, { 'X-Forwarded-For': ip, 'User-Agent': 'account-test' });
}

interface Account {
  readonly registration: RegisterRequest & { readonly recoveryAuthKey: string };
  readonly email: string;
}

async function register(): Promise<Account> {
  const registration = { ...newRegisterRequest(), recoveryAuthKey: key() };
  expect((await call('POST', '/v1/auth/register', registration)).status).toBe(201);
  return { registration, email: registration.email };
}

async function login(email: string, authKey: string, deviceName = 'Laptop'): Promise<TestResponse> {
  return call('POST', '/v1/auth/login', { email, authKey, device: { name: deviceName } });
}

async function session(email: string, authKey: string, deviceName?: string): Promise<LoginResponse> {
  const response = await login(email, authKey, deviceName);
  expect(response.status).toBe(200);
  return LoginResponse.parse(response.body);
}

const newWrap = (): PasswordWrap => ({
  kdfParams: { algorithm: 'argon2id', memoryKiB: 131_072, iterations: 4, parallelism: 1 },
  salt: randomBytes(16).toString('base64'),
  wrappedMasterKey: randomBytes(72).toString('base64'),
});

const refresh = (refreshToken: string) => call<Problem>('POST', '/v1/auth/refresh', { refreshToken });
const sessionsOf = async (accessToken: string) => {
  const response = await call('GET', '/v1/auth/sessions', undefined, accessToken);
  expect(response.status).toBe(200);
  return SessionList.parse(response.body).sessions;
};

describe('change password', () => {
  it('refuses a wrong current password with 403 invalid_credentials and changes nothing', async () => {
    const { registration, email } = await register();
    const mine = await session(email, registration.authKey);
    const other = await session(email, registration.authKey, 'Phone');

    const refused = await call<Problem>(
      'POST',
      '/v1/auth/password',
      { currentAuthKey: key(), newAuthKey: key(), wrap: newWrap() },
      mine.accessToken,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('invalid_credentials');

    const again = await session(email, registration.authKey);
    expect(again.vault).toEqual(registration.vault);
    expect(await sessionsOf(mine.accessToken)).toHaveLength(3);
    expect((await call('GET', '/v1/auth/sessions', undefined, other.accessToken)).status).toBe(200);
  });

  it('swaps the auth key and the password wrap, keeps the recovery wrap, and ends every other session', async () => {
    const { registration, email } = await register();
    const mine = await session(email, registration.authKey);
    const other = await session(email, registration.authKey, 'Phone');
    const newAuthKey = key();
    const wrap = newWrap();

    const changed = await call(
      'POST',
      '/v1/auth/password',
      { currentAuthKey: registration.authKey, newAuthKey, wrap },
      mine.accessToken,
    );
    expect(changed.status).toBe(204);

    const old = await login(email, registration.authKey);
    expect(old.status).toBe(401);
    expect((old.body as Problem).code).toBe('invalid_credentials');
    const fresh = await session(email, newAuthKey);
    expect(fresh.vault).toEqual({ ...registration.vault, ...wrap });
    expect((await call('POST', '/v1/auth/prelogin', { email })).body).toEqual({
      kdfParams: wrap.kdfParams,
      salt: wrap.salt,
    });

    // The other device is signed out at once; this one carries on.
    expect((await call('GET', '/v1/auth/sessions', undefined, other.accessToken)).status).toBe(401);
    expect((await refresh(other.refreshToken)).status).toBe(401);
    const remaining = await sessionsOf(mine.accessToken);
    expect(remaining.map((s) => s.id).sort()).toEqual([mine.sessionId, fresh.sessionId].sort());
    expect((await refresh(mine.refreshToken)).status).toBe(200);

    const user = await server.deps.db
      .selectFrom('users')
      .select(['password_changed_at', 'created_at'])
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(user.password_changed_at.getTime()).toBeGreaterThan(user.created_at.getTime());
  });

  it('counts wrong current passwords towards the account lock', async () => {
    const { registration, email } = await register();
    const mine = await session(email, registration.authKey);
    const attempt = () =>
      call<Problem>(
        'POST',
        '/v1/auth/password',
        { currentAuthKey: key(), newAuthKey: key(), wrap: newWrap() },
        mine.accessToken,
      );
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(403);
    const locked = await attempt();
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_attempts');
  });

  it('needs a session', async () => {
    const refused = await call<Problem>('POST', '/v1/auth/password', {
      currentAuthKey: key(),
      newAuthKey: key(),
      wrap: newWrap(),
    });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('unauthorized');
  });
});

describe('recovery', () => {
  const recover = (email: string, recoveryAuthKey: string, ip?: string) =>
    call('POST', '/v1/auth/recover', { email, recoveryAuthKey }, undefined, ip);
  const complete = (recoveryToken: string, newAuthKey: string, wrap = newWrap()) =>
    call('POST', '/v1/auth/recover/complete', {
      recoveryToken,
      newAuthKey,
      wrap,
      device: { name: 'Tablet' },
    });

  it('answers a wrong recovery key, an unknown e-mail and an account without a recovery key alike', async () => {
    const { email } = await register();
    const withoutRecovery = newRegisterRequest();
    expect((await call('POST', '/v1/auth/register', withoutRecovery)).status).toBe(201);

    const wrong = await recover(email, key());
    const unknown = await recover('nobody-here@example.test', key());
    const none = await recover(withoutRecovery.email, key());
    expect(wrong.status).toBe(401);
    expect((wrong.body as Problem).code).toBe('invalid_credentials');
    for (const other of [unknown, none]) {
      expect(other.status).toBe(wrong.status);
      expect(withoutRequestId(other.body as Problem)).toEqual(withoutRequestId(wrong.body as Problem));
      expect(other.headers.get('content-type')).toBe(wrong.headers.get('content-type'));
    }
  });

  it('throttles failures like logins, for real accounts and unknown e-mails alike', async () => {
    const { registration, email } = await register();
    const statuses = async (address: string) => {
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) seen.push((await recover(address, key())).status);
      return seen;
    };
    expect(await statuses(email)).toEqual([401, 401, 401, 429]);
    expect(await statuses('ghost-recovery@example.test')).toEqual([401, 401, 401, 429]);
    // The lock is the account's: even the right recovery key waits.
    expect((await recover(email, registration.recoveryAuthKey)).status).toBe(429);
  });

  it('gives the envelope and a token that sets a new password, ends every session and starts a new one', async () => {
    const { registration, email } = await register();
    const before = await session(email, registration.authKey);

    const proved = await recover(email, registration.recoveryAuthKey);
    expect(proved.status).toBe(200);
    const { vault, recoveryToken, recoveryTokenExpiresAt } = RecoverResponse.parse(proved.body);
    expect(vault).toEqual(registration.vault);
    expect(recoveryTokenExpiresAt).toBeGreaterThan(server.clock.now());

    const newAuthKey = key();
    const wrap = newWrap();
    const completed = await complete(recoveryToken, newAuthKey, wrap);
    expect(completed.status).toBe(200);
    const fresh = CompleteRecoveryResponse.parse(completed.body);
    expect(fresh.vault).toEqual({ ...registration.vault, ...wrap });
    expect(fresh.identity).toEqual(registration.identity);

    expect((await call('GET', '/v1/auth/sessions', undefined, before.accessToken)).status).toBe(401);
    expect((await refresh(before.refreshToken)).status).toBe(401);
    expect((await login(email, registration.authKey)).status).toBe(401);
    expect((await session(email, newAuthKey)).vault).toEqual(fresh.vault);
    const sessions = await sessionsOf(fresh.accessToken);
    expect(sessions.find((s) => s.current)).toMatchObject({ id: fresh.sessionId, deviceName: 'Tablet' });
    // The recovery key still works (it was not used up), for the next time.
    expect((await recover(email, registration.recoveryAuthKey)).status).toBe(200);
  });

  it('uses a token once', async () => {
    const { registration, email } = await register();
    const { recoveryToken } = RecoverResponse.parse(
      (await recover(email, registration.recoveryAuthKey)).body,
    );
    const firstKey = key();
    expect((await complete(recoveryToken, firstKey)).status).toBe(200);
    const reused = await complete(recoveryToken, key());
    expect(reused.status).toBe(401);
    expect((reused.body as Problem).code).toBe('unauthorized');
    expect((await login(email, firstKey)).status).toBe(200);
  });

  it('refuses an expired or unknown token and changes nothing', async () => {
    const { registration, email } = await register();
    const { recoveryToken } = RecoverResponse.parse(
      (await recover(email, registration.recoveryAuthKey)).body,
    );
    server.clock.advance(RECOVERY_TOKEN_TTL_MS + 1000);
    const expired = await complete(recoveryToken, key());
    expect(expired.status).toBe(401);
    expect((expired.body as Problem).code).toBe('unauthorized');
    const unknown = await complete(`hal_rc_${randomBytes(32).toString('base64url')}`, key());
    expect(withoutRequestId(unknown.body as Problem)).toEqual(withoutRequestId(expired.body as Problem));
    expect((await session(email, registration.authKey)).vault).toEqual(registration.vault);
  });

  it('rotating the recovery key replaces its wrap and its auth key, and voids outstanding tokens', async () => {
    const { registration, email } = await register();
    const mine = await session(email, registration.authKey);
    const { recoveryToken } = RecoverResponse.parse(
      (await recover(email, registration.recoveryAuthKey)).body,
    );
    const recoveryAuthKey = key();
    const recoveryWrappedMasterKey = randomBytes(72).toString('base64');

    const wrongPassword = await call<Problem>(
      'PUT',
      '/v1/auth/recovery-key',
      { currentAuthKey: key(), recoveryAuthKey, recoveryWrappedMasterKey },
      mine.accessToken,
    );
    expect(wrongPassword.status).toBe(403);
    expect(wrongPassword.body.code).toBe('invalid_credentials');
    expect((await session(email, registration.authKey)).vault).toEqual(registration.vault);

    const rotated = await call(
      'PUT',
      '/v1/auth/recovery-key',
      { currentAuthKey: registration.authKey, recoveryAuthKey, recoveryWrappedMasterKey },
      mine.accessToken,
    );
    expect(rotated.status).toBe(204);
    expect((await recover(email, registration.recoveryAuthKey)).status).toBe(401);
    expect((await complete(recoveryToken, key())).status).toBe(401);
    const proved = RecoverResponse.parse((await recover(email, recoveryAuthKey)).body);
    expect(proved.vault).toEqual({ ...registration.vault, recoveryWrappedMasterKey });
  });
});

describe('sessions', () => {
  it("lists the account's live sessions with their device names, marking this one", async () => {
    const { registration, email } = await register();
    const laptop = await session(email, registration.authKey, 'Laptop');
    const phone = await session(email, registration.authKey, 'Phone');
    const loggedOut = await session(email, registration.authKey, 'Old tablet');
    expect((await call('POST', '/v1/auth/logout', undefined, loggedOut.accessToken)).status).toBe(204);

    const sessions = await sessionsOf(phone.accessToken);
    expect(sessions.map((s) => s.deviceName).sort()).toEqual(['Laptop', 'Phone']);
    expect(sessions.filter((s) => s.current).map((s) => s.id)).toEqual([phone.sessionId]);
    for (const s of sessions) expect(s.lastUsedAt).toBeGreaterThanOrEqual(s.createdAt);
    expect(sessions.some((s) => s.id === laptop.sessionId && !s.current)).toBe(true);
  });

  it('signs another device out: its access and refresh tokens stop working at once', async () => {
    const { registration, email } = await register();
    const laptop = await session(email, registration.authKey, 'Laptop');
    const phone = await session(email, registration.authKey, 'Phone');

    const revoked = await call(
      'DELETE',
      `/v1/auth/sessions/${phone.sessionId}`,
      undefined,
      laptop.accessToken,
    );
    expect(revoked.status).toBe(204);
    const refused = await call<Problem>('GET', '/v1/auth/sessions', undefined, phone.accessToken);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('unauthorized');
    expect((await refresh(phone.refreshToken)).status).toBe(401);
    expect((await sessionsOf(laptop.accessToken)).map((s) => s.id)).toEqual([laptop.sessionId]);
  });

  it("does not find another account's session, and refuses an id that is not one", async () => {
    const mine = await register();
    const theirs = await register();
    const me = await session(mine.email, mine.registration.authKey);
    const them = await session(theirs.email, theirs.registration.authKey);

    const foreign = await call<Problem>(
      'DELETE',
      `/v1/auth/sessions/${them.sessionId}`,
      undefined,
      me.accessToken,
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('not_found');
    expect((await sessionsOf(them.accessToken)).map((s) => s.id)).toEqual([them.sessionId]);

    const malformed = await call<Problem>(
      'DELETE',
      '/v1/auth/sessions/not-a-uuid',
      undefined,
      me.accessToken,
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');
  });
});
