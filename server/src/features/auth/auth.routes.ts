/**
 * @module HTTP for accounts, mounted at /v1/auth. Validates with the protocol schemas, calls the service, turns
 * its refusals into problems. Bodies here are small: anything over 64 KiB is refused before it is read.
 */
import {
  ChangePasswordRequest,
  CompleteRecoveryRequest,
  CompleteRecoveryResponse,
  LoginRequest,
  LoginResponse,
  PreloginRequest,
  PreloginResponse,
  RecoverRequest,
  RecoverResponse,
  RefreshRequest,
  RefreshResponse,
  RegisterRequest,
  RegisterResponse,
  RotateRecoveryKeyRequest,
  SessionIdParams,
  SessionList,
} from '@halyon/protocol';
import { Hono } from 'hono';
import type { AppDeps } from '../../deps';
import type { AppEnv } from '../../http/app-env';
import { clientIp } from '../../http/client-ip';
import { type ProblemException, problem } from '../../http/problem';
import { parseOrThrow, readJson } from '../../http/read-json';
import { requireAuth } from '../../middleware/auth';
import { bodyLimit } from '../../middleware/body-limit';
import { rateLimit } from '../../middleware/rate-limit';
import type { RouteSpec } from '../../openapi/route-spec';
import {
  type AuthService,
  createAuthService,
  type EmailTaken,
  type InvalidCredentials,
  type InvalidRecoveryToken,
  type InvalidRefreshToken,
  RECOVERY_TOKEN_TTL_MS,
  type RefreshTokenExpired,
  type RefreshTokenReused,
  type SessionNotFound,
  type TooManyAttempts,
  type WrongCurrentPassword,
} from './auth.service';
import { createLoginThrottle } from './login-throttle';

export const AUTH_BODY_LIMIT = 64 * 1024;

type AuthError =
  | InvalidCredentials
  | TooManyAttempts
  | EmailTaken
  | InvalidRefreshToken
  | RefreshTokenExpired
  | RefreshTokenReused
  | WrongCurrentPassword
  | InvalidRecoveryToken
  | SessionNotFound;

function authErrorToProblem(error: AuthError): ProblemException {
  switch (error.type) {
    case 'InvalidCredentials':
      return problem(401, 'invalid_credentials');
    case 'TooManyAttempts':
      return problem(429, 'too_many_attempts', undefined, { retryAfter: error.retryAfterSeconds });
    case 'EmailTaken':
      return problem(409, 'email_taken');
    case 'InvalidRefreshToken':
      return problem(401, 'unauthorized', 'The refresh token is not valid; log in again.');
    case 'RefreshTokenExpired':
      return problem(401, 'token_expired', 'The refresh token has expired; log in again.');
    case 'RefreshTokenReused':
      return problem(401, 'refresh_token_reused');
    case 'WrongCurrentPassword':
      // 403, not 401: the session is fine, only the proof of the current password is wrong.
      return problem(403, 'invalid_credentials', 'The current password is wrong; nothing was changed.');
    case 'InvalidRecoveryToken':
      return problem(401, 'unauthorized', 'The recovery token is unknown, used or expired; start again.');
    case 'SessionNotFound':
      return problem(404, 'not_found', 'No such session of yours.');
  }
}

export function createAuthRoutes(
  deps: AppDeps,
  service: AuthService = createAuthService({ ...deps, throttle: createLoginThrottle(deps.config.auth) }),
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.use(bodyLimit(AUTH_BODY_LIMIT));
  const perAddress = rateLimit({
    ...deps.config.authRateLimit,
    clock: deps.clock,
    keyOf: (c) => clientIp(c, deps.config.trustProxy),
  });

  routes.post('/prelogin', perAddress, async (c) =>
    c.json(await service.prelogin(await readJson(c, PreloginRequest))),
  );

  routes.post('/register', perAddress, async (c) => {
    const result = await service.register(await readJson(c, RegisterRequest));
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.json(result.value, 201);
  });

  routes.post('/login', perAddress, async (c) => {
    const request = await readJson(c, LoginRequest);
    const result = await service.login(request, {
      ip: clientIp(c, deps.config.trustProxy),
      userAgent: c.req.header('user-agent'),
    });
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.json(result.value);
  });

  routes.post('/refresh', async (c) => {
    const result = await service.refresh(await readJson(c, RefreshRequest));
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.json(result.value);
  });

  routes.post('/logout', requireAuth(deps), async (c) => {
    await service.logout(c.get('auth'));
    return c.body(null, 204);
  });

  const clientOf = (c: Parameters<typeof clientIp>[0]) => ({
    ip: clientIp(c, deps.config.trustProxy),
    userAgent: c.req.header('user-agent'),
  });

  routes.post('/password', perAddress, requireAuth(deps), async (c) => {
    const request = await readJson(c, ChangePasswordRequest);
    const result = await service.changePassword(c.get('auth'), request, clientOf(c));
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.body(null, 204);
  });

  routes.post('/recover', perAddress, async (c) => {
    const result = await service.recover(await readJson(c, RecoverRequest), clientOf(c));
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.json(result.value);
  });

  routes.post('/recover/complete', perAddress, async (c) => {
    const result = await service.completeRecovery(await readJson(c, CompleteRecoveryRequest), clientOf(c));
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.json(result.value);
  });

  routes.put('/recovery-key', perAddress, requireAuth(deps), async (c) => {
    const request = await readJson(c, RotateRecoveryKeyRequest);
    const result = await service.rotateRecoveryKey(c.get('auth'), request, clientOf(c));
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.body(null, 204);
  });

  routes.get('/sessions', requireAuth(deps), async (c) => c.json(await service.listSessions(c.get('auth'))));

  routes.delete('/sessions/:sessionId', requireAuth(deps), async (c) => {
    const { sessionId } = parseOrThrow(SessionIdParams, c.req.param());
    const result = await service.revokeSession(c.get('auth'), sessionId);
    if (!result.ok) throw authErrorToProblem(result.error);
    return c.body(null, 204);
  });

  return routes;
}

export const authRouteSpecs: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/v1/auth/prelogin',
    operationId: 'prelogin',
    summary: 'Key-derivation parameters and salt for an e-mail address',
    description:
      'Answers for every address: unknown ones get deterministic parameters shaped like real ones, so this ' +
      'does not reveal who has an account. Clients must refuse parameters below their own floor.',
    tags: ['accounts'],
    auth: false,
    request: { body: PreloginRequest },
    responses: {
      200: { description: 'The parameters to derive the auth key with.', schema: PreloginResponse },
    },
    errors: ['rate_limited'],
  },
  {
    method: 'post',
    path: '/v1/auth/register',
    operationId: 'register',
    summary: 'Create an account with its vault envelope and public identity',
    description: 'The server stores a slow hash of `authKey`; the vault and identity are opaque to it.',
    tags: ['accounts'],
    auth: false,
    request: { body: RegisterRequest },
    responses: { 201: { description: 'The account was created.', schema: RegisterResponse } },
    errors: ['email_taken', 'rate_limited'],
  },
  {
    method: 'post',
    path: '/v1/auth/login',
    operationId: 'login',
    summary: 'Exchange the auth key for an access token and a refresh token',
    description:
      'Starts a session. The access token is short-lived; the refresh token rotates on every use. Repeated ' +
      'failures lock the account with growing back-off (`too_many_attempts` with `retryAfter`).',
    tags: ['accounts'],
    auth: false,
    request: { body: LoginRequest },
    responses: {
      200: { description: 'Tokens, the vault envelope and the identity bundle.', schema: LoginResponse },
    },
    errors: ['invalid_credentials', 'too_many_attempts', 'rate_limited'],
  },
  {
    method: 'post',
    path: '/v1/auth/refresh',
    operationId: 'refresh',
    summary: 'Rotate the refresh token for a new token pair',
    description:
      'Each refresh token works once. Presenting one that was already rotated revokes the whole session ' +
      '(`refresh_token_reused`): someone else holds a copy.',
    tags: ['accounts'],
    auth: false,
    request: { body: RefreshRequest },
    responses: { 200: { description: 'A new token pair.', schema: RefreshResponse } },
    errors: ['unauthorized', 'token_expired', 'refresh_token_reused'],
  },
  {
    method: 'post',
    path: '/v1/auth/logout',
    operationId: 'logout',
    summary: 'End the current session',
    description: 'Its access and refresh tokens stop working at once.',
    tags: ['accounts'],
    auth: true,
    responses: { 204: { description: 'The session has ended.' } },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/auth/password',
    operationId: 'changePassword',
    summary: 'Change the password: a new auth key and the master key re-wrapped under it',
    description:
      '`currentAuthKey` proves the current password; a wrong one answers `403 invalid_credentials` and changes ' +
      'nothing (failures count towards the account lock, as for login). On success the auth key and the ' +
      "vault's password wrap are swapped in one transaction and every other session of the account ends; this " +
      'one stays. The recovery wrap and the identity keys are untouched: the master key does not change.',
    tags: ['accounts'],
    auth: true,
    request: { body: ChangePasswordRequest },
    responses: { 204: { description: 'The password was changed.' } },
    errors: ['invalid_credentials', 'too_many_attempts', 'rate_limited'],
  },
  {
    method: 'post',
    path: '/v1/auth/recover',
    operationId: 'recover',
    summary: 'Prove the recovery key: the vault envelope and a single-use recovery token',
    description:
      '`recoveryAuthKey` is derived from the recovery key (docs/crypto.md). The envelope lets the client ' +
      'unwrap the master key with the recovery key and wrap it under a new password, which it then sets with ' +
      `the token (valid ${RECOVERY_TOKEN_TTL_MS / 60_000} minutes, once). A wrong key and an unknown address get ` +
      'the same `401 invalid_credentials`, and failures are throttled exactly like logins.',
    tags: ['accounts'],
    auth: false,
    request: { body: RecoverRequest },
    responses: {
      200: { description: 'The vault envelope and the recovery token.', schema: RecoverResponse },
    },
    errors: ['invalid_credentials', 'too_many_attempts', 'rate_limited'],
  },
  {
    method: 'post',
    path: '/v1/auth/recover/complete',
    operationId: 'completeRecovery',
    summary: 'Set a new password with a recovery token; every session ends and a new one starts',
    description:
      'Uses the token up. An unknown, used or expired token answers `401 unauthorized` and changes nothing. ' +
      'The answer is a login answer for the new session.',
    tags: ['accounts'],
    auth: false,
    request: { body: CompleteRecoveryRequest },
    responses: {
      200: {
        description: 'Tokens of the new session, the updated vault envelope, the identity bundle.',
        schema: CompleteRecoveryResponse,
      },
    },
    errors: ['unauthorized', 'rate_limited'],
  },
  {
    method: 'put',
    path: '/v1/auth/recovery-key',
    operationId: 'rotateRecoveryKey',
    summary: 'Replace the recovery key: its wrap of the master key and its auth key',
    description:
      '`currentAuthKey` proves the current password (`403 invalid_credentials` otherwise, nothing changed). ' +
      'The old recovery key stops working at once, and so do recovery tokens it was used for.',
    tags: ['accounts'],
    auth: true,
    request: { body: RotateRecoveryKeyRequest },
    responses: { 204: { description: 'The new recovery key is in place.' } },
    errors: ['invalid_credentials', 'too_many_attempts', 'rate_limited'],
  },
  {
    method: 'get',
    path: '/v1/auth/sessions',
    operationId: 'listSessions',
    summary: 'The signed-in devices of this account',
    description:
      'Sessions that have not ended, most recently used first; `current` marks the one making the request. ' +
      '`lastUsedAt` moves when a session refreshes its tokens.',
    tags: ['accounts'],
    auth: true,
    responses: { 200: { description: 'The live sessions.', schema: SessionList } },
    errors: [],
  },
  {
    method: 'delete',
    path: '/v1/auth/sessions/{sessionId}',
    operationId: 'revokeSession',
    summary: 'Sign a device out',
    description:
      "The session's access and refresh tokens stop working at once. Another account's session is not found.",
    tags: ['accounts'],
    auth: true,
    request: { params: SessionIdParams },
    responses: { 204: { description: 'The session has ended.' } },
    errors: ['not_found'],
  },
];
