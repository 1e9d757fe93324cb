/**
 * @module Accounts: prelogin, register, login, token refresh, logout, password change, recovery with the recovery
 * key, and the list of signed-in sessions.
 * The server never sees the password or the key-encryption key: the client derives an auth key from the password
 * and sends that; the vault envelope and identity bundle are opaque to the server (see docs/crypto.md).
 */
import { z } from 'zod';
import { Base64, TimestampMs, Uuid } from './common';

export const Email = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** Key-derivation parameters. Clients enforce their own floor and refuse weaker ones (docs/crypto.md). */
export const KdfParams = z.discriminatedUnion('algorithm', [
  z.object({
    algorithm: z.literal('argon2id'),
    memoryKiB: z
      .number()
      .int()
      .positive()
      .max(4 * 1024 * 1024),
    iterations: z.number().int().positive().max(100),
    parallelism: z.number().int().positive().max(16),
  }),
  z.object({
    algorithm: z.literal('pbkdf2-sha256'),
    iterations: z.number().int().positive().max(10_000_000),
  }),
]);
export type KdfParams = z.infer<typeof KdfParams>;

/** The 32-byte key the client derives from the password to prove it knows it. */
export const AuthKey = Base64.refine((s) => s.length === 44, 'must be 32 bytes');

/** The master key wrapped by the password and by the recovery key, and the wrapped private identity keys. */
export const VaultEnvelope = z.object({
  kdfParams: KdfParams,
  salt: Base64.max(64),
  wrappedMasterKey: Base64.max(512),
  recoveryWrappedMasterKey: Base64.max(512),
  wrappedIdentityKeys: Base64.max(1024),
});
export type VaultEnvelope = z.infer<typeof VaultEnvelope>;

/** Public identity keys, self-signed; recipients pin them and compare safety numbers. */
export const IdentityBundle = z.object({
  version: z.literal(1),
  encryptionPublicKey: Base64.max(64),
  signingPublicKey: Base64.max(64),
  signature: Base64.max(128),
});
export type IdentityBundle = z.infer<typeof IdentityBundle>;

export const PreloginRequest = z.object({ email: Email });
export type PreloginRequest = z.infer<typeof PreloginRequest>;
export const PreloginResponse = z.object({ kdfParams: KdfParams, salt: Base64 });
export type PreloginResponse = z.infer<typeof PreloginResponse>;

export const DeviceInfo = z.object({
  name: z.string().trim().min(1).max(100),
  fingerprint: z.string().max(200).optional(),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

export const RegisterRequest = z.object({
  email: Email,
  authKey: AuthKey,
  vault: VaultEnvelope,
  identity: IdentityBundle,
  device: DeviceInfo.optional(),
  /**
   * The auth key derived from the recovery key (docs/crypto.md), for recovery without the password. Without it
   * the account cannot recover through the server until its recovery key is rotated.
   */
  recoveryAuthKey: AuthKey.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;
export const RegisterResponse = z.object({ userId: Uuid });
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const LoginRequest = z.object({ email: Email, authKey: AuthKey, device: DeviceInfo.optional() });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const TokenPair = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: TimestampMs,
  refreshToken: z.string(),
  refreshTokenExpiresAt: TimestampMs,
});
export type TokenPair = z.infer<typeof TokenPair>;

export const LoginResponse = TokenPair.extend({
  userId: Uuid,
  sessionId: Uuid,
  vault: VaultEnvelope,
  identity: IdentityBundle,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const RefreshRequest = z.object({ refreshToken: z.string().min(1).max(200) });
export type RefreshRequest = z.infer<typeof RefreshRequest>;
export const RefreshResponse = TokenPair;
export type RefreshResponse = z.infer<typeof RefreshResponse>;

// -------------------------------------------------------------------------------------------------------------
// Changing the password, recovery, and sessions. See docs/protocol.md ("Accounts") and docs/crypto.md.

/** What a new password changes in the vault: the master key wrapped by the new KEK, with its salt and params. */
export const PasswordWrap = VaultEnvelope.pick({ kdfParams: true, salt: true, wrappedMasterKey: true });
export type PasswordWrap = z.infer<typeof PasswordWrap>;

/**
 * Signed in: `currentAuthKey` proves the current password. The recovery wrap and the identity keys stay as
 * they are (the master key does not change), so the body cannot carry them.
 */
export const ChangePasswordRequest = z.object({
  currentAuthKey: AuthKey,
  newAuthKey: AuthKey,
  wrap: PasswordWrap,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

/** Step 1 of recovery: prove the recovery key (the auth key derived from it, never the key itself). */
export const RecoverRequest = z.object({ email: Email, recoveryAuthKey: AuthKey });
export type RecoverRequest = z.infer<typeof RecoverRequest>;

/** The envelope (to unwrap the master key with the recovery key) and a short-lived, single-use token. */
export const RecoverResponse = z.object({
  vault: VaultEnvelope,
  recoveryToken: z.string(),
  recoveryTokenExpiresAt: TimestampMs,
});
export type RecoverResponse = z.infer<typeof RecoverResponse>;

/** Step 2 of recovery: the new password's auth key and wrap. Every session ends; the answer is a new one. */
export const CompleteRecoveryRequest = z.object({
  recoveryToken: z.string().min(1).max(200),
  newAuthKey: AuthKey,
  wrap: PasswordWrap,
  device: DeviceInfo.optional(),
});
export type CompleteRecoveryRequest = z.infer<typeof CompleteRecoveryRequest>;
export const CompleteRecoveryResponse = LoginResponse;
export type CompleteRecoveryResponse = z.infer<typeof CompleteRecoveryResponse>;

/** Signed in: a new recovery key replaces the old one (both its wrap of the master key and its auth key). */
export const RotateRecoveryKeyRequest = z.object({
  currentAuthKey: AuthKey,
  recoveryAuthKey: AuthKey,
  recoveryWrappedMasterKey: Base64.max(512),
});
export type RotateRecoveryKeyRequest = z.infer<typeof RotateRecoveryKeyRequest>;

/** A signed-in device. `lastUsedAt` moves when the session refreshes its tokens (every few minutes in use). */
export const SessionInfo = z.object({
  id: Uuid,
  deviceName: z.string().nullable(),
  createdAt: TimestampMs,
  lastUsedAt: TimestampMs,
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
export const SessionList = z.object({ sessions: z.array(SessionInfo) });
export type SessionList = z.infer<typeof SessionList>;
export const SessionIdParams = z.object({ sessionId: Uuid });
export type SessionIdParams = z.infer<typeof SessionIdParams>;
