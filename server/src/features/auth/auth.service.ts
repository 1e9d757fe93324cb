/**
 * @module Accounts: prelogin, register, login, refresh, logout. Expected refusals come back as values; the routes
 * turn them into problems. See docs/architecture.md ("Accounts") for the token model.
 */
import { createHmac } from 'node:crypto';
import {
  IdentityBundle,
  KdfParams,
  type LoginRequest,
  type LoginResponse,
  type PreloginRequest,
  type PreloginResponse,
  type RefreshRequest,
  type RefreshResponse,
  type RegisterRequest,
  type RegisterResponse,
  type TokenPair,
} from '@halyon/protocol';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema';
import type { AppDeps } from '../../deps';
import type { AuthContext } from '../../http/app-env';
import { err, ok, type Result } from '../../result';
import * as repo from './auth.repository';
import { hashAuthKey, needsRehash, verifyAuthKey } from './auth-key-hash';
import { type LoginThrottle, retryAfterSeconds } from './login-throttle';
import { newAccessToken, newRefreshToken, tokenToHash } from './tokens';

export type InvalidCredentials = { readonly type: 'InvalidCredentials' };
export type TooManyAttempts = { readonly type: 'TooManyAttempts'; readonly retryAfterSeconds: number };
export type EmailTaken = { readonly type: 'EmailTaken' };
export type InvalidRefreshToken = { readonly type: 'InvalidRefreshToken' };
export type RefreshTokenExpired = { readonly type: 'RefreshTokenExpired' };
export type RefreshTokenReused = { readonly type: 'RefreshTokenReused' };

/** Where a login comes from, recorded on its session. */
export interface ClientInfo {
  readonly ip: string;
  readonly userAgent: string | undefined;
}

export interface AuthService {
  prelogin(request: PreloginRequest): Promise<PreloginResponse>;
  register(request: RegisterRequest): Promise<Result<RegisterResponse, EmailTaken>>;
  login(
    request: LoginRequest,
    client: ClientInfo,
  ): Promise<Result<LoginResponse, InvalidCredentials | TooManyAttempts>>;
  refresh(
    request: RefreshRequest,
  ): Promise<Result<RefreshResponse, InvalidRefreshToken | RefreshTokenExpired | RefreshTokenReused>>;
  logout(auth: AuthContext): Promise<void>;
}

export type AuthServiceDeps = Pick<AppDeps, 'db' | 'config' | 'clock' | 'meta'> & {
  readonly throttle: LoginThrottle;
};

/**
 * [Note: Fake prelogin]: an unknown e-mail gets the parameters new vaults use (client-core's DEFAULT_KDF_PARAMS)
 * and a 16-byte salt (client-core's SALT_BYTES) derived from the address with a server secret, so the answer is
 * stable across calls and shaped exactly like a real one. Keep both in step with client-core.
 */
const FAKE_KDF_PARAMS: KdfParams = {
  algorithm: 'argon2id',
  memoryKiB: 128 * 1024,
  iterations: 3,
  parallelism: 1,
};
const FAKE_SALT_BYTES = 16;

const base64 = (bytes: Buffer) => bytes.toString('base64');
const bytesOf = (b64: string) => Buffer.from(b64, 'base64');

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { db, config, clock, meta, throttle } = deps;
  const keyed = (purpose: string, email: string) =>
    createHmac('sha256', meta.preloginSecret).update(`${purpose}\0${email}`).digest();

  // Unknown e-mails are checked against this, so a miss costs one scrypt like a wrong password does. Made now,
  // not on first use, so that the first miss does not cost two.
  const dummyHash = hashAuthKey(Buffer.alloc(32), config.auth.scrypt);

  async function issueTokens(
    trx: Transaction<Database>,
    sessionId: string,
    userId: string,
    nowMs: number,
  ): Promise<TokenPair> {
    const accessToken = newAccessToken();
    const refreshToken = newRefreshToken();
    const accessTokenExpiresAt = nowMs + config.auth.accessTokenTtlMs;
    const refreshTokenExpiresAt = nowMs + config.auth.refreshTokenTtlMs;
    const common = { sessionId, userId, createdAt: new Date(nowMs) };
    await repo.insertAccessToken(trx, {
      ...common,
      tokenHash: tokenToHash(accessToken),
      expiresAt: new Date(accessTokenExpiresAt),
    });
    await repo.insertRefreshToken(trx, {
      ...common,
      tokenHash: tokenToHash(refreshToken),
      expiresAt: new Date(refreshTokenExpiresAt),
    });
    return { accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt };
  }

  return {
    async prelogin({ email }) {
      const vault = await repo.findPreloginVault(db, email);
      if (vault) return { kdfParams: KdfParams.parse(vault.kdfParams), salt: base64(vault.salt) };
      return {
        kdfParams: FAKE_KDF_PARAMS,
        salt: base64(keyed('prelogin-salt', email).subarray(0, FAKE_SALT_BYTES)),
      };
    },

    async register(request) {
      const authKeyHash = await hashAuthKey(bytesOf(request.authKey), config.auth.scrypt);
      const userId = await db.transaction().execute((trx) =>
        repo.insertAccount(trx, {
          email: request.email,
          authKeyHash,
          wrappedKey: bytesOf(request.vault.wrappedMasterKey),
          salt: bytesOf(request.vault.salt),
          kdfParams: request.vault.kdfParams,
          recoveryWrappedKey: bytesOf(request.vault.recoveryWrappedMasterKey),
          wrappedIdentityKeys: bytesOf(request.vault.wrappedIdentityKeys),
          identityBundle: request.identity,
          deviceFingerprint: request.device?.fingerprint ?? null,
        }),
      );
      return userId ? ok({ userId }) : err({ type: 'EmailTaken' });
    },

    async login(request, client) {
      const nowMs = clock.now();
      const ipBlockedUntil = throttle.ipBlockedUntil(client.ip, nowMs);
      if (ipBlockedUntil > 0) {
        return err({ type: 'TooManyAttempts', retryAfterSeconds: retryAfterSeconds(ipBlockedUntil, nowMs) });
      }
      const authKey = bytesOf(request.authKey);
      const candidate = await repo.findLoginCandidate(db, request.email);

      const tooManyAttempts = (untilMs: number) =>
        err({ type: 'TooManyAttempts' as const, retryAfterSeconds: retryAfterSeconds(untilMs, nowMs) });
      const invalidCredentials = () => {
        throttle.recordIpFailure(client.ip, nowMs);
        return err({ type: 'InvalidCredentials' as const });
      };

      if (!candidate) {
        // Same steps and cost as a wrong password, so neither the answer nor its timing reveals an account.
        const lockedUntil = throttle.beginUnknownAccountAttempt(
          keyed('login-lock', request.email).toString('hex'),
          nowMs,
        );
        if (lockedUntil > 0) return tooManyAttempts(lockedUntil);
        await verifyAuthKey(authKey, await dummyHash);
        return invalidCredentials();
      }

      if (!(await repo.beginLoginAttempt(db, candidate.id, new Date(nowMs), config.auth))) {
        return tooManyAttempts((await repo.findLockedUntil(db, candidate.id))?.getTime() ?? nowMs);
      }
      const valid = await verifyAuthKey(authKey, candidate.authKeyHash);
      if (!valid || candidate.blocked) return invalidCredentials();

      const rehashed = needsRehash(candidate.authKeyHash, config.auth.scrypt)
        ? await hashAuthKey(authKey, config.auth.scrypt)
        : undefined;
      const userId = candidate.id;
      const { sessionId, tokens, vault } = await db.transaction().execute(async (trx) => {
        await repo.recordLoginSuccess(trx, userId, new Date(nowMs), rehashed);
        const sessionId = await repo.insertSession(trx, {
          userId,
          deviceName: request.device?.name ?? null,
          deviceFingerprint: request.device?.fingerprint ?? null,
          ipAddress: client.ip,
          userAgent: client.userAgent?.slice(0, 256) ?? null,
          expiresAt: new Date(nowMs + config.auth.refreshTokenTtlMs),
        });
        const tokens = await issueTokens(trx, sessionId, userId, nowMs);
        return { sessionId, tokens, vault: await repo.findVault(trx, userId) };
      });
      return ok({
        ...tokens,
        userId,
        sessionId,
        vault: {
          kdfParams: KdfParams.parse(vault.kdf_params),
          salt: base64(vault.salt),
          wrappedMasterKey: base64(vault.wrapped_key),
          recoveryWrappedMasterKey: base64(vault.recovery_wrapped_key),
          wrappedIdentityKeys: base64(vault.wrapped_identity_keys),
        },
        identity: IdentityBundle.parse(vault.identity_bundle),
      });
    },

    async refresh({ refreshToken }) {
      const nowMs = clock.now();
      const tokenHash = tokenToHash(refreshToken);
      const record = await repo.findRefreshToken(db, tokenHash);
      if (!record || record.sessionRevoked) return err({ type: 'InvalidRefreshToken' });

      const revokeFamily = async (): Promise<RefreshTokenReused> => {
        // A rotated token presented again means two parties hold this session's tokens: end it for both.
        await db
          .transaction()
          .execute((trx) =>
            repo.revokeSession(trx, record.sessionId, 'refresh_token_reused', new Date(nowMs)),
          );
        return { type: 'RefreshTokenReused' };
      };
      if (record.rotated || record.revoked) return err(await revokeFamily());
      if (record.expiresAt.getTime() <= nowMs) return err({ type: 'RefreshTokenExpired' });

      const tokens = await db.transaction().execute(async (trx) => {
        if (!(await repo.markRefreshTokenRotated(trx, tokenHash, new Date(nowMs)))) return undefined;
        const pair = await issueTokens(trx, record.sessionId, record.userId, nowMs);
        await repo.extendSession(
          trx,
          record.sessionId,
          new Date(nowMs),
          new Date(pair.refreshTokenExpiresAt),
        );
        return pair;
      });
      return tokens ? ok(tokens) : err(await revokeFamily());
    },

    async logout(auth) {
      const now = new Date(clock.now());
      await db.transaction().execute((trx) => repo.revokeSession(trx, auth.sessionId, 'logout', now));
    },
  };
}
