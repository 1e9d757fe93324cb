/**
 * @module HTTP for accounts, mounted at /v1/auth. Validates with the protocol schemas, calls the service, turns
 * its refusals into problems. Bodies here are small: anything over 64 KiB is refused before it is read.
 */
import {
  LoginRequest,
  LoginResponse,
  PreloginRequest,
  PreloginResponse,
  RefreshRequest,
  RefreshResponse,
  RegisterRequest,
  RegisterResponse,
} from '@halyon/protocol';
import { Hono } from 'hono';
import type { AppDeps } from '../../deps';
import type { AppEnv } from '../../http/app-env';
import { clientIp } from '../../http/client-ip';
import { type ProblemException, problem } from '../../http/problem';
import { readJson } from '../../http/read-json';
import { requireAuth } from '../../middleware/auth';
import { bodyLimit } from '../../middleware/body-limit';
import { rateLimit } from '../../middleware/rate-limit';
import type { RouteSpec } from '../../openapi/route-spec';
import {
  type AuthService,
  createAuthService,
  type EmailTaken,
  type InvalidCredentials,
  type InvalidRefreshToken,
  type RefreshTokenExpired,
  type RefreshTokenReused,
  type TooManyAttempts,
} from './auth.service';
import { createLoginThrottle } from './login-throttle';

export const AUTH_BODY_LIMIT = 64 * 1024;

type AuthError =
  | InvalidCredentials
  | TooManyAttempts
  | EmailTaken
  | InvalidRefreshToken
  | RefreshTokenExpired
  | RefreshTokenReused;

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
];
