/**
 * @module Accounts: prelogin, register, login, token refresh, logout.
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
