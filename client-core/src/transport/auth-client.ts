/**
 * @module The account endpoints over fetch (prelogin, register, login, refresh, logout, password change, recovery,
 * sessions), parsed with the protocol schemas like every other answer. Passwords and recovery words never pass
 * through here: callers send the auth keys derived from them.
 */
import {
  type ChangePasswordRequest,
  type CompleteRecoveryRequest,
  CompleteRecoveryResponse,
  type LoginRequest,
  LoginResponse,
  PreloginResponse,
  type RecoverRequest,
  RecoverResponse,
  RefreshResponse,
  type RegisterRequest,
  RegisterResponse,
  type RotateRecoveryKeyRequest,
  SessionList,
} from '@halyon/protocol';
import type { z } from 'zod';
import { err, ok, type Result } from '../result';
import type { TransportError } from '../sync/transport';
import { readJsonAnswer, readProblem } from './fetch-transport';

export interface AuthClientOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
}

/** The session's access token: a signed-in call asks for it just before it is sent (it may be refreshed). */
export type AccessTokenSource = () => Promise<string>;

export const createAuthClient = (options: AuthClientOptions) => {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');
  const send = async (
    method: string,
    path: string,
    body: unknown,
    accessToken?: AccessTokenSource,
  ): Promise<Result<Response, TransportError>> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      if (accessToken) headers.Authorization = `Bearer ${await accessToken()}`;
      return ok(
        await doFetch(`${base}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    } catch (cause) {
      return err({ type: 'NetworkFailure', message: cause instanceof Error ? cause.message : String(cause) });
    }
  };
  const json = async <S extends z.ZodType>(
    schema: S,
    ...request: Parameters<typeof send>
  ): Promise<Result<z.infer<S>, TransportError>> => {
    const sent = await send(...request);
    return sent.ok ? readJsonAnswer(sent.value, schema) : sent;
  };
  /** For the endpoints that answer 204. */
  const empty = async (...request: Parameters<typeof send>): Promise<Result<void, TransportError>> => {
    const sent = await send(...request);
    if (!sent.ok) return sent;
    if (sent.value.status === 204) return ok(undefined);
    return sent.value.ok
      ? err({ type: 'InvalidResponse', status: sent.value.status, reason: 'expected 204 No Content' })
      : readProblem(sent.value);
  };
  const post = <S extends z.ZodType>(path: string, body: unknown, schema: S) =>
    json(schema, 'POST', path, body);

  return {
    prelogin: (email: string) => post('/v1/auth/prelogin', { email }, PreloginResponse),
    register: (request: RegisterRequest) => post('/v1/auth/register', request, RegisterResponse),
    login: (request: LoginRequest) => post('/v1/auth/login', request, LoginResponse),
    refresh: (refreshToken: string) => post('/v1/auth/refresh', { refreshToken }, RefreshResponse),
    /** Ends this session on the server; its tokens stop working at once. */
    logout: (accessToken: AccessTokenSource) => empty('POST', '/v1/auth/logout', undefined, accessToken),
    recover: (request: RecoverRequest) => post('/v1/auth/recover', request, RecoverResponse),
    completeRecovery: (request: CompleteRecoveryRequest) =>
      post('/v1/auth/recover/complete', request, CompleteRecoveryResponse),
    changePassword: (accessToken: AccessTokenSource, request: ChangePasswordRequest) =>
      empty('POST', '/v1/auth/password', request, accessToken),
    rotateRecoveryKey: (accessToken: AccessTokenSource, request: RotateRecoveryKeyRequest) =>
      empty('PUT', '/v1/auth/recovery-key', request, accessToken),
    listSessions: (accessToken: AccessTokenSource) =>
      json(SessionList, 'GET', '/v1/auth/sessions', undefined, accessToken),
    revokeSession: (accessToken: AccessTokenSource, sessionId: string) =>
      empty('DELETE', `/v1/auth/sessions/${encodeURIComponent(sessionId)}`, undefined, accessToken),
  };
};

export type AuthClient = ReturnType<typeof createAuthClient>;
