/**
 * @module The account endpoints over fetch (prelogin, register, login, refresh), parsed with the protocol
 * schemas like every other answer. Passwords never pass through here: callers send the derived auth key.
 */
import {
  type LoginRequest,
  LoginResponse,
  PreloginResponse,
  RefreshResponse,
  type RegisterRequest,
  RegisterResponse,
} from '@halyon/protocol';
import type { z } from 'zod';
import { err, type Result } from '../result';
import type { TransportError } from '../sync/transport';
import { readJsonAnswer } from './fetch-transport';

export interface AuthClientOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
}

export const createAuthClient = (options: AuthClientOptions) => {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');
  const post = async <S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
  ): Promise<Result<z.infer<S>, TransportError>> => {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (cause) {
      return err({ type: 'NetworkFailure', message: cause instanceof Error ? cause.message : String(cause) });
    }
    return readJsonAnswer(response, schema);
  };
  return {
    prelogin: (email: string) => post('/v1/auth/prelogin', { email }, PreloginResponse),
    register: (request: RegisterRequest) => post('/v1/auth/register', request, RegisterResponse),
    login: (request: LoginRequest) => post('/v1/auth/login', request, LoginResponse),
    refresh: (refreshToken: string) => post('/v1/auth/refresh', { refreshToken }, RefreshResponse),
  };
};

export type AuthClient = ReturnType<typeof createAuthClient>;
