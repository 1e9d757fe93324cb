import { randomBytes } from 'node:crypto';
import {
  CompleteRecoveryRequest,
  LoginRequest,
  LoginResponse,
  PreloginRequest,
  PreloginResponse,
  type Problem,
  RecoverRequest,
  RefreshRequest,
  RefreshResponse,
  type RegisterRequest,
  RegisterRequest as RegisterRequestSchema,
  TokenPair,
} from '@halyon/protocol';
import fc from 'fast-check';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppEnv } from '../../http/app-env';
import { createErrorHandler } from '../../http/error-handler';
import { requestId } from '../../middleware/request-id';
import {
  newRegisterRequest,
  registerTestUser,
  startTestServer,
  type TestResponse,
  type TestServer,
} from '../../test/test-server';
import { createAuthRoutes } from './auth.routes';
import { tokenToHash } from './tokens';

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
/** Each test logs in from its own address, so per-IP throttling only shows where a test asks for it. */
const freshIp = () => `198.51.100.${++ipCounter}`;

async function login(email: string, authKey: string, ip: string): Promise<TestResponse> {
  const response = await server.request('/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
    body: JSON.stringify({ email, authKey }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function register(request: RegisterRequest = newRegisterRequest()) {
  const response = await server.json('POST', '/v1/auth/register', request);
  expect(response.status).toBe(201);
  return request;
}

const wrongKey = () => randomBytes(32).toString('base64');
const withoutRequestId = (problem: Problem) => ({ ...problem, requestId: undefined });

describe('prelogin', () => {
  it('returns the kdf parameters and salt a user registered with', async () => {
    const registration = await register();
    const response = await server.json('POST', '/v1/auth/prelogin', { email: registration.email });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ kdfParams: registration.vault.kdfParams, salt: registration.vault.salt });
  });

  it('answers an unknown e-mail with stable fake parameters shaped exactly like real ones', async () => {
    const real = await server.json('POST', '/v1/auth/prelogin', { email: (await register()).email });
    const fake = await server.json('POST', '/v1/auth/prelogin', { email: 'nobody@example.test' });
    const again = await server.json('POST', '/v1/auth/prelogin', { email: 'NoBody@Example.test' });
    const other = await server.json('POST', '/v1/auth/prelogin', { email: 'someone-else@example.test' });

    expect(fake.status).toBe(200);
    expect(PreloginResponse.parse(fake.body)).toEqual(fake.body);
    expect(again.body).toEqual(fake.body);
    expect(other.body).not.toEqual(fake.body);
    // Same keys, same kdf parameter names, same salt length: nothing in the shape tells them apart.
    const shape = (body: unknown) => {
      const { kdfParams, salt } = PreloginResponse.parse(body);
      return {
        keys: Object.keys(body as object),
        kdfKeys: Object.keys(kdfParams),
        saltBytes: Buffer.from(salt, 'base64').length,
      };
    };
    expect(shape(fake.body)).toEqual(shape(real.body));
    expect(fake.headers.get('content-type')).toBe(real.headers.get('content-type'));
  });
});

describe('register', () => {
  it('creates an account once; the same address again, in any case, is taken', async () => {
    const registration = await register();
    const again = await server.json<Problem>('POST', '/v1/auth/register', {
      ...newRegisterRequest(),
      email: registration.email.toUpperCase(),
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('email_taken');
  });

  it('stores only a slow hash of the auth key', async () => {
    const registration = await register();
    const user = await server.deps.db
      .selectFrom('users')
      .select('auth_key_hash')
      .where('email', '=', registration.email)
      .executeTakeFirstOrThrow();
    expect(user.auth_key_hash).toMatch(/^scrypt\$ln=10,r=8,p=1\$/);
    expect(user.auth_key_hash).not.toContain(registration.authKey);
  });

  it('refuses a body that does not match the schema, saying which field', async () => {
    const response = await server.json<Problem>('POST', '/v1/auth/register', {
      ...newRegisterRequest(),
      authKey: 'too-short',
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect(new Set(response.body.issues?.map((i) => i.path))).toEqual(new Set(['authKey']));
  });
});

describe('login', () => {
  it('returns a token pair, the vault envelope and the identity bundle', async () => {
    const registration = await register();
    const response = await login(registration.email, registration.authKey, freshIp());
    expect(response.status).toBe(200);
    const body = LoginResponse.parse(response.body);
    expect(body.vault).toEqual(registration.vault);
    expect(body.identity).toEqual(registration.identity);
    expect(body.accessTokenExpiresAt - server.clock.now()).toBeLessThanOrEqual(15 * 60 * 1000);
    expect(body.refreshTokenExpiresAt).toBeGreaterThan(body.accessTokenExpiresAt);
  });

  it('keeps tokens only as SHA-256 hashes', async () => {
    const user = await registerTestUser(server);
    const byHash = await server.deps.db
      .selectFrom('access_tokens')
      .select('session_id')
      .where('token_hash', '=', tokenToHash(user.accessToken))
      .executeTakeFirst();
    expect(byHash?.session_id).toBe(user.sessionId);
    const refresh = await server.deps.db
      .selectFrom('refresh_tokens')
      .select('session_id')
      .where('token_hash', '=', tokenToHash(user.refreshToken))
      .executeTakeFirst();
    expect(refresh?.session_id).toBe(user.sessionId);
  });

  it('gives a wrong auth key and an unknown e-mail the same answer', async () => {
    const registration = await register();
    const wrong = await login(registration.email, wrongKey(), freshIp());
    const unknown = await login('never-registered@example.test', wrongKey(), freshIp());
    expect(wrong.status).toBe(401);
    expect(withoutRequestId(wrong.body as Problem)).toEqual(withoutRequestId(unknown.body as Problem));
    expect((wrong.body as Problem).code).toBe('invalid_credentials');
  });

  it('locks an account after repeated failures, even for the right key, until the lock ends', async () => {
    const registration = await register();
    for (let i = 0; i < 3; i++)
      expect((await login(registration.email, wrongKey(), freshIp())).status).toBe(401);

    const locked = await login(registration.email, registration.authKey, freshIp());
    expect(locked.status).toBe(429);
    expect((locked.body as Problem).code).toBe('too_many_attempts');
    expect((locked.body as Problem).retryAfter).toBe(60);
    expect(locked.headers.get('retry-after')).toBe('60');

    server.clock.advance(61_000);
    expect((await login(registration.email, registration.authKey, freshIp())).status).toBe(200);
    // A success resets the count: one more failure does not lock again.
    expect((await login(registration.email, wrongKey(), freshIp())).status).toBe(401);
    expect((await login(registration.email, registration.authKey, freshIp())).status).toBe(200);
  });

  it('doubles the lock with each failure past the limit', async () => {
    const registration = await register();
    for (let i = 0; i < 3; i++) await login(registration.email, wrongKey(), freshIp());
    server.clock.advance(61_000);
    expect((await login(registration.email, wrongKey(), freshIp())).status).toBe(401);
    const locked = await login(registration.email, registration.authKey, freshIp());
    expect((locked.body as Problem).retryAfter).toBe(120);
  });

  it('lets no more parallel guesses through than the limit allows', async () => {
    const registration = await register();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, async () => (await login(registration.email, wrongKey(), freshIp())).status),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('locks an unknown e-mail exactly like a real account, so lock-outs reveal nothing', async () => {
    const email = 'ghost@example.test';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(email, wrongKey(), freshIp())).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('throttles one address that fails across many accounts', async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) {
      expect((await login(`spray-${i}@example.test`, wrongKey(), ip)).status).toBe(401);
    }
    const registration = await register();
    const blocked = await login(registration.email, registration.authKey, ip);
    expect(blocked.status).toBe(429);
    expect((blocked.body as Problem).code).toBe('too_many_attempts');
    expect((await login(registration.email, registration.authKey, freshIp())).status).toBe(200);
  });
});

describe('refresh', () => {
  const refresh = (refreshToken: string) => server.json('POST', '/v1/auth/refresh', { refreshToken });

  it('rotates: the new pair works and differs from the old one', async () => {
    const user = await registerTestUser(server);
    const response = await refresh(user.refreshToken);
    expect(response.status).toBe(200);
    const pair = RefreshResponse.parse(response.body);
    expect(pair.refreshToken).not.toBe(user.refreshToken);
    expect(pair.accessToken).not.toBe(user.accessToken);
    expect((await refresh(pair.refreshToken)).status).toBe(200);
  });

  it('revokes the whole session when a rotated refresh token comes back', async () => {
    const user = await registerTestUser(server);
    const rotated = TokenPair.parse((await refresh(user.refreshToken)).body);

    const reuse = await server.json<Problem>('POST', '/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('refresh_token_reused');

    // The legitimate holder's newer tokens are dead too: nobody knows which copy is the thief's.
    const newest = await server.json<Problem>('POST', '/v1/auth/refresh', {
      refreshToken: rotated.refreshToken,
    });
    expect(newest.status).toBe(401);
    const logout = await server.json<Problem>('POST', '/v1/auth/logout', undefined, rotated.accessToken);
    expect(logout.status).toBe(401);
    const session = await server.deps.db
      .selectFrom('sessions')
      .select('revoked_reason')
      .where('id', '=', user.sessionId)
      .executeTakeFirstOrThrow();
    expect(session.revoked_reason).toBe('refresh_token_reused');
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const user = await registerTestUser(server);
    const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const loser = results.find((r) => r.status === 401);
    expect((loser?.body as Problem | undefined)?.code).toBe('refresh_token_reused');
  });

  it('refuses an expired refresh token', async () => {
    const user = await registerTestUser(server);
    server.clock.advance(31 * 24 * 60 * 60 * 1000);
    const response = await server.json<Problem>('POST', '/v1/auth/refresh', {
      refreshToken: user.refreshToken,
    });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('token_expired');
  });

  it('refuses a token it never issued', async () => {
    const response = await server.json<Problem>('POST', '/v1/auth/refresh', {
      refreshToken: 'hal_rt_made-up',
    });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('unauthorized');
  });
});

describe('logout', () => {
  it('ends the session: its access and refresh tokens stop working at once', async () => {
    const user = await registerTestUser(server);
    const response = await server.request('/v1/auth/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${user.accessToken}` },
    });
    expect(response.status).toBe(204);
    expect((await server.json('POST', '/v1/auth/logout', undefined, user.accessToken)).status).toBe(401);
    const refreshed = await server.json<Problem>('POST', '/v1/auth/refresh', {
      refreshToken: user.refreshToken,
    });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.code).toBe('unauthorized');
  });

  it("leaves the same user's other sessions alone", async () => {
    const user = await registerTestUser(server);
    const second = LoginResponse.parse((await login(user.email, user.authKey, freshIp())).body);
    await server.json('POST', '/v1/auth/logout', undefined, user.accessToken);
    expect(
      (await server.json('POST', '/v1/auth/refresh', { refreshToken: second.refreshToken })).status,
    ).toBe(200);
  });
});

describe('fuzzed bodies', () => {
  /** Everything an account request can change. */
  const stateSnapshot = async () => {
    const db = server.deps.db;
    const count = async (
      table: 'users' | 'vaults' | 'sessions' | 'access_tokens' | 'refresh_tokens' | 'recovery_tokens',
    ) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const failures = await db
      .selectFrom('users')
      .select(['id', 'failed_login_attempts', 'locked_until'])
      .orderBy('id')
      .execute();
    return {
      users: await count('users'),
      vaults: await count('vaults'),
      sessions: await count('sessions'),
      accessTokens: await count('access_tokens'),
      refreshTokens: await count('refresh_tokens'),
      recoveryTokens: await count('recovery_tokens'),
      failures,
    };
  };

  /** A valid body with one required field replaced by anything, kept only if the schema now refuses it. */
  const mutated = (schema: z.ZodType, valid: Record<string, unknown>) =>
    fc
      .record({ key: fc.constantFrom(...Object.keys(valid)), value: fc.anything() })
      .map(({ key, value }) => ({ ...valid, [key]: value }))
      .filter((body) => !schema.safeParse(body).success);

  const rawBody = fc.oneof(
    fc.string(),
    fc.json(),
    fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );

  it('never answer 500 and never change state', async () => {
    const existing = await registerTestUser(server);
    const validBodies: ReadonlyArray<[string, z.ZodType, Record<string, unknown>]> = [
      ['/v1/auth/prelogin', PreloginRequest, { email: existing.email }],
      ['/v1/auth/register', RegisterRequestSchema, { ...newRegisterRequest() }],
      ['/v1/auth/login', LoginRequest, { email: existing.email, authKey: existing.authKey }],
      ['/v1/auth/refresh', RefreshRequest, { refreshToken: existing.refreshToken }],
      ['/v1/auth/recover', RecoverRequest, { email: existing.email, recoveryAuthKey: wrongKey() }],
      [
        '/v1/auth/recover/complete',
        CompleteRecoveryRequest,
        { recoveryToken: 'hal_rc_unknown', newAuthKey: wrongKey(), wrap: newRegisterRequest().vault },
      ],
    ];
    const before = await stateSnapshot();
    const request = fc.constantFrom(...validBodies).chain(([path, schema, valid]) =>
      fc.record({
        path: fc.constant(path),
        body: fc.oneof(
          rawBody,
          mutated(schema, valid).map((b) => JSON.stringify(b)),
        ),
        contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', ''),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ path, body, contentType }) => {
        const headers: Record<string, string> = { 'X-Forwarded-For': '203.0.113.250' };
        if (contentType) headers['Content-Type'] = contentType;
        const response = await server.request(path, { method: 'POST', headers, body });
        const text = await response.text();
        if (response.status === 200) {
          // Only a body that happens to be a valid prelogin may succeed; it writes nothing.
          expect(path).toBe('/v1/auth/prelogin');
          return;
        }
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(z.object({ code: z.string() }).safeParse(JSON.parse(text)).success).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(await stateSnapshot()).toEqual(before);
  });
});

describe('per-address limit on the account endpoints', () => {
  it('answers 429 rate_limited past the burst, per address', async () => {
    const config = { ...server.deps.config, authRateLimit: { burst: 2, perSecond: 1 } };
    const app = new Hono<AppEnv>()
      .use(requestId())
      .route('/v1/auth', createAuthRoutes({ ...server.deps, config }));
    app.onError(createErrorHandler(server.deps.logger));
    const prelogin = (ip: string) =>
      app.request('/v1/auth/prelogin', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
        body: JSON.stringify({ email: 'someone@example.test' }),
      });
    const ip = freshIp();
    expect((await prelogin(ip)).status).toBe(200);
    expect((await prelogin(ip)).status).toBe(200);
    const limited = await prelogin(ip);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as Problem).code).toBe('rate_limited');
    expect((await prelogin(freshIp())).status).toBe(200);
  });
});

describe('hash upgrades', () => {
  it('rehashes the auth key at the next login after the configured cost was raised', async () => {
    const registration = await register();
    const stored = async () =>
      (
        await server.deps.db
          .selectFrom('users')
          .select('auth_key_hash')
          .where('email', '=', registration.email)
          .executeTakeFirstOrThrow()
      ).auth_key_hash;
    expect(await stored()).toMatch(/^scrypt\$ln=10,/);

    const config = {
      ...server.deps.config,
      auth: { ...server.deps.config.auth, scrypt: { logN: 11, r: 8, p: 1 } },
    };
    const app = new Hono<AppEnv>()
      .use(requestId())
      .route('/v1/auth', createAuthRoutes({ ...server.deps, config }));
    const response = await app.request('/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': freshIp() },
      body: JSON.stringify({ email: registration.email, authKey: registration.authKey }),
    });
    expect(response.status).toBe(200);
    expect(await stored()).toMatch(/^scrypt\$ln=11,/);
    // The old configuration still verifies the upgraded hash: parameters travel with it.
    expect((await login(registration.email, registration.authKey, freshIp())).status).toBe(200);
  });
});
