/**
 * @module Accounts: prelogin, register, login, refresh, logout, password change, recovery with the recovery key,
 * and the sessions list. Expected refusals come back as values; the routes turn them into problems. See
 * docs/architecture.md ("Accounts") for the token model and docs/protocol.md for the recovery flow.
 */
import { createHmac } from 'node:crypto';
import {
  type ChangePasswordRequest,
  type CompleteRecoveryRequest,
  type CompleteRecoveryResponse,
  type DeviceInfo,
  IdentityBundle,
  KdfParams,
  type LoginRequest,
  type LoginResponse,
  type PreloginRequest,
  type PreloginResponse,
  type RecoverRequest,
  type RecoverResponse,
  type RefreshRequest,
  type RefreshResponse,
  type RegisterRequest,
  type RegisterResponse,
  type RotateRecoveryKeyRequest,
  type SessionList,
  type TokenPair,
  type VaultEnvelope,
} from '@halyon/protocol';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema';
import type { AppDeps } from '../../deps';
import type { AuthContext } from '../../http/app-env';
import { err, ok, type Result } from '../../result';
import * as repo from './auth.repository';
import { hashAuthKey, needsRehash, verifyAuthKey } from './auth-key-hash';
import { type LoginThrottle, retryAfterSeconds } from './login-throttle';
import { newAccessToken, newRecoveryToken, newRefreshToken, tokenToHash } from './tokens';

export type InvalidCredentials = { readonly type: 'InvalidCredentials' };
export type TooManyAttempts = { readonly type: 'TooManyAttempts'; readonly retryAfterSeconds: number };
export type EmailTaken = { readonly type: 'EmailTaken' };
export type InvalidRefreshToken = { readonly type: 'InvalidRefreshToken' };
export type RefreshTokenExpired = { readonly type: 'RefreshTokenExpired' };
export type RefreshTokenReused = { readonly type: 'RefreshTokenReused' };
/** A signed-in request's proof of the current password was wrong (the session itself is fine). */
export type WrongCurrentPassword = { readonly type: 'WrongCurrentPassword' };
/** Unknown, used or expired: the same answer for each. */
export type InvalidRecoveryToken = { readonly type: 'InvalidRecoveryToken' };
export type SessionNotFound = { readonly type: 'SessionNotFound' };

/** How long the proof of a recovery key may wait for the new password (the client derives it meanwhile). */
export const RECOVERY_TOKEN_TTL_MS = 10 * 60 * 1000;

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
  /** Proves the current password, swaps in the new one and ends every other session. */
  changePassword(
    auth: AuthContext,
    request: ChangePasswordRequest,
    client: ClientInfo,
  ): Promise<Result<void, WrongCurrentPassword | TooManyAttempts>>;
  /** Proves the recovery key: the vault envelope and a single-use token for completeRecovery. */
  recover(
    request: RecoverRequest,
    client: ClientInfo,
  ): Promise<Result<RecoverResponse, InvalidCredentials | TooManyAttempts>>;
  /** Sets the new password with a recovery token; every session ends and a new one starts. */
  completeRecovery(
    request: CompleteRecoveryRequest,
    client: ClientInfo,
  ): Promise<Result<CompleteRecoveryResponse, InvalidRecoveryToken>>;
  rotateRecoveryKey(
    auth: AuthContext,
    request: RotateRecoveryKeyRequest,
    client: ClientInfo,
  ): Promise<Result<void, WrongCurrentPassword | TooManyAttempts>>;
  listSessions(auth: AuthContext): Promise<SessionList>;
  /** Ends one of the user's sessions (this one too, like logout); someone else's is not found. */
  revokeSession(auth: AuthContext, sessionId: string): Promise<Result<void, SessionNotFound>>;
}

export type AuthServiceDeps = Pick<AppDeps, 'db' | 'config' | 'clock' | 'meta' | 'logger'> & {
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

function toVaultEnvelope(vault: Awaited<ReturnType<typeof repo.findVault>>): VaultEnvelope {
  return {
    kdfParams: KdfParams.parse(vault.kdf_params),
    salt: base64(vault.salt),
    wrappedMasterKey: base64(vault.wrapped_key),
    recoveryWrappedMasterKey: base64(vault.recovery_wrapped_key),
    wrappedIdentityKeys: base64(vault.wrapped_identity_keys),
  };
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { db, config, clock, meta, throttle, logger } = deps;
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

  /** A new session with its first tokens, answered like a login: the tokens, the vault and the identity. */
  async function startSession(
    trx: Transaction<Database>,
    userId: string,
    device: DeviceInfo | undefined,
    client: ClientInfo,
    nowMs: number,
  ): Promise<LoginResponse> {
    const sessionId = await repo.insertSession(trx, {
      userId,
      deviceName: device?.name ?? null,
      deviceFingerprint: device?.fingerprint ?? null,
      ipAddress: client.ip,
      userAgent: client.userAgent?.slice(0, 256) ?? null,
      expiresAt: new Date(nowMs + config.auth.refreshTokenTtlMs),
    });
    const tokens = await issueTokens(trx, sessionId, userId, nowMs);
    const vault = await repo.findVault(trx, userId);
    return {
      ...tokens,
      userId,
      sessionId,
      vault: toVaultEnvelope(vault),
      identity: IdentityBundle.parse(vault.identity_bundle),
    };
  }

  /**
   * [Note: One throttle for every secret]: a login, a recovery and a signed-in proof of the current password all
   * check their secret here, so they share the per-address window and the per-account lock (counted before the
   * hash: see [Note: Login attempts are counted before the hash is checked]). An unknown e-mail, or an account
   * without the secret asked for, goes through the same steps and one scrypt, so neither the answer nor its
   * timing tells it apart from a wrong secret. On success the attempt stays counted: callers clear it (a login
   * by recordLoginSuccess) in the write that follows.
   */
  async function proveSecret(
    account: repo.LoginCandidate | undefined,
    /** The address asked for: it keys the in-memory lock when there is no such account. */
    email: string,
    secret: Buffer,
    storedHashOf: (account: repo.LoginCandidate) => string | null,
    client: ClientInfo,
    nowMs: number,
  ): Promise<Result<repo.LoginCandidate, InvalidCredentials | TooManyAttempts>> {
    const tooManyAttempts = (untilMs: number) =>
      err({ type: 'TooManyAttempts' as const, retryAfterSeconds: retryAfterSeconds(untilMs, nowMs) });
    const invalidCredentials = () => {
      throttle.recordIpFailure(client.ip, nowMs);
      return err({ type: 'InvalidCredentials' as const });
    };
    const ipBlockedUntil = throttle.ipBlockedUntil(client.ip, nowMs);
    if (ipBlockedUntil > 0) return tooManyAttempts(ipBlockedUntil);

    if (!account) {
      const lockedUntil = throttle.beginUnknownAccountAttempt(
        keyed('login-lock', email).toString('hex'),
        nowMs,
      );
      if (lockedUntil > 0) return tooManyAttempts(lockedUntil);
      await verifyAuthKey(secret, await dummyHash);
      return invalidCredentials();
    }
    if (!(await repo.beginLoginAttempt(db, account.id, new Date(nowMs), config.auth))) {
      return tooManyAttempts((await repo.findLockedUntil(db, account.id))?.getTime() ?? nowMs);
    }
    const storedHash = storedHashOf(account);
    const valid = await verifyAuthKey(secret, storedHash ?? (await dummyHash));
    if (!valid || storedHash === null || account.blocked) return invalidCredentials();
    return ok(account);
  }

  /** The signed-in user's current password, proved again (it guards changes that could lock them out). */
  async function proveCurrentPassword(
    auth: AuthContext,
    currentAuthKey: string,
    client: ClientInfo,
    nowMs: number,
  ): Promise<Result<repo.LoginCandidate, WrongCurrentPassword | TooManyAttempts>> {
    const account = await repo.findAccountById(db, auth.userId);
    const proved = await proveSecret(
      account,
      '', // the e-mail only keys the lock of an unknown account; this one exists
      bytesOf(currentAuthKey),
      (a) => a.authKeyHash,
      client,
      nowMs,
    );
    if (!proved.ok && proved.error.type === 'InvalidCredentials')
      return err({ type: 'WrongCurrentPassword' });
    return proved as Result<repo.LoginCandidate, TooManyAttempts>;
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
      const [authKeyHash, recoveryAuthKeyHash] = await Promise.all([
        hashAuthKey(bytesOf(request.authKey), config.auth.scrypt),
        request.recoveryAuthKey ? hashAuthKey(bytesOf(request.recoveryAuthKey), config.auth.scrypt) : null,
      ]);
      const userId = await db.transaction().execute((trx) =>
        repo.insertAccount(trx, {
          email: request.email,
          authKeyHash,
          recoveryAuthKeyHash,
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
      const authKey = bytesOf(request.authKey);
      const candidate = await repo.findLoginCandidate(db, request.email);
      const proved = await proveSecret(
        candidate,
        request.email,
        authKey,
        (a) => a.authKeyHash,
        client,
        nowMs,
      );
      if (!proved.ok) return proved;
      const account = proved.value;

      const rehashed = needsRehash(account.authKeyHash, config.auth.scrypt)
        ? await hashAuthKey(authKey, config.auth.scrypt)
        : undefined;
      const response = await db.transaction().execute(async (trx) => {
        await repo.recordLoginSuccess(trx, account.id, new Date(nowMs), rehashed);
        return startSession(trx, account.id, request.device, client, nowMs);
      });
      return ok(response);
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

    async changePassword(auth, request, client) {
      const nowMs = clock.now();
      const proved = await proveCurrentPassword(auth, request.currentAuthKey, client, nowMs);
      if (!proved.ok) return proved;
      const authKeyHash = await hashAuthKey(bytesOf(request.newAuthKey), config.auth.scrypt);
      const changed = await db.transaction().execute(async (trx) => {
        const now = new Date(nowMs);
        const replaced = await repo.replacePassword(trx, {
          userId: auth.userId,
          expectedAuthKeyHash: proved.value.authKeyHash,
          authKeyHash,
          wrappedKey: bytesOf(request.wrap.wrappedMasterKey),
          salt: bytesOf(request.wrap.salt),
          kdfParams: request.wrap.kdfParams,
          now,
        });
        if (replaced)
          await repo.revokeSessionsOfUser(trx, auth.userId, auth.sessionId, 'password_changed', now);
        return replaced;
      });
      // Another change won the race with the same (now old) password: this proof no longer holds.
      if (!changed) return err({ type: 'WrongCurrentPassword' });
      logger.info('password changed', { userId: auth.userId, sessionId: auth.sessionId });
      return ok(undefined);
    },

    async recover(request, client) {
      const nowMs = clock.now();
      const candidate = await repo.findLoginCandidate(db, request.email);
      const proved = await proveSecret(
        candidate,
        request.email,
        bytesOf(request.recoveryAuthKey),
        (a) => a.recoveryAuthKeyHash,
        client,
        nowMs,
      );
      if (!proved.ok) return proved;
      const userId = proved.value.id;
      const recoveryToken = newRecoveryToken();
      const recoveryTokenExpiresAt = nowMs + RECOVERY_TOKEN_TTL_MS;
      const vault = await db.transaction().execute(async (trx) => {
        await repo.clearFailedAttempts(trx, userId);
        await repo.insertRecoveryToken(trx, {
          tokenHash: tokenToHash(recoveryToken),
          userId,
          expiresAt: new Date(recoveryTokenExpiresAt),
        });
        return repo.findVault(trx, userId);
      });
      logger.info('recovery key proved', { userId });
      return ok({ vault: toVaultEnvelope(vault), recoveryToken, recoveryTokenExpiresAt });
    },

    async completeRecovery(request, client) {
      const nowMs = clock.now();
      const now = new Date(nowMs);
      const authKeyHash = await hashAuthKey(bytesOf(request.newAuthKey), config.auth.scrypt);
      const response = await db.transaction().execute(async (trx) => {
        const userId = await repo.consumeRecoveryToken(trx, tokenToHash(request.recoveryToken), now);
        if (!userId) return undefined;
        await repo.replacePassword(trx, {
          userId,
          expectedAuthKeyHash: null,
          authKeyHash,
          wrappedKey: bytesOf(request.wrap.wrappedMasterKey),
          salt: bytesOf(request.wrap.salt),
          kdfParams: request.wrap.kdfParams,
          now,
        });
        await repo.revokeSessionsOfUser(trx, userId, null, 'account_recovered', now);
        return startSession(trx, userId, request.device, client, nowMs);
      });
      if (!response) return err({ type: 'InvalidRecoveryToken' });
      logger.info('account recovered', { userId: response.userId, sessionId: response.sessionId });
      return ok(response);
    },

    async rotateRecoveryKey(auth, request, client) {
      const nowMs = clock.now();
      const proved = await proveCurrentPassword(auth, request.currentAuthKey, client, nowMs);
      if (!proved.ok) return proved;
      const recoveryAuthKeyHash = await hashAuthKey(bytesOf(request.recoveryAuthKey), config.auth.scrypt);
      const rotated = await db.transaction().execute(async (trx) => {
        await repo.clearFailedAttempts(trx, auth.userId);
        return repo.replaceRecoveryKey(trx, {
          userId: auth.userId,
          expectedAuthKeyHash: proved.value.authKeyHash,
          recoveryAuthKeyHash,
          recoveryWrappedKey: bytesOf(request.recoveryWrappedMasterKey),
          now: new Date(nowMs),
        });
      });
      if (!rotated) return err({ type: 'WrongCurrentPassword' });
      logger.info('recovery key rotated', { userId: auth.userId });
      return ok(undefined);
    },

    async listSessions(auth) {
      const sessions = await repo.listLiveSessions(db, auth.userId, new Date(clock.now()));
      return {
        sessions: sessions.map((s) => ({
          id: s.id,
          deviceName: s.deviceName,
          createdAt: s.createdAt.getTime(),
          lastUsedAt: s.lastSeenAt.getTime(),
          current: s.id === auth.sessionId,
        })),
      };
    },

    async revokeSession(auth, sessionId) {
      if (!(await repo.isSessionOfUser(db, sessionId, auth.userId))) return err({ type: 'SessionNotFound' });
      const now = new Date(clock.now());
      await db.transaction().execute((trx) => repo.revokeSession(trx, sessionId, 'revoked_by_user', now));
      return ok(undefined);
    },
  };
}
