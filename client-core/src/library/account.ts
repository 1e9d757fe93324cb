/**
 * @module Signing in with a password, shared by the worker and the CLI: prelogin, derive the keys (refusing
 * server parameters below the floor), log in with the auth key, and open the vault the server returned. The
 * password and the key-encryption key are dropped before this returns.
 */
import type { LoginResponse, VaultEnvelope } from '@halyon/protocol';
import {
  bytesToBase64,
  deriveLoginKeys,
  envelopeSalt,
  type KeyEncryptionKey,
  type UnlockedVault,
  unlockVault,
  zeroize,
} from '../crypto';
import { err, ok, type Result } from '../result';
import type { TransportError } from '../sync/transport';
import type { AuthClient } from '../transport/auth-client';

export type SignInError =
  | { readonly type: 'Transport'; readonly error: TransportError }
  /** The server's KDF parameters are below the floor, or unknown: never derive with them. */
  | { readonly type: 'KdfRefused'; readonly reason: string }
  | { readonly type: 'InvalidSalt' }
  /** The vault does not open with this password (wrong password, or a vault that is not this account's). */
  | { readonly type: 'WrongPassword' };

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

const deriveAndUnlock = async (
  envelopeOrSalt: { salt: string; kdfParams: unknown },
  password: string,
  then: (keys: {
    keyEncryptionKey: KeyEncryptionKey;
    authKeyB64: string;
  }) => Promise<Result<UnlockedVault, SignInError>>,
): Promise<Result<UnlockedVault, SignInError>> => {
  const salt = envelopeSalt(envelopeOrSalt);
  if (!salt) return err({ type: 'InvalidSalt' });
  const keys = await deriveLoginKeys(password, salt, envelopeOrSalt.kdfParams);
  if (!keys.ok) return err({ type: 'KdfRefused', reason: keys.error.type });
  try {
    return await then({
      keyEncryptionKey: keys.value.keyEncryptionKey,
      authKeyB64: bytesToBase64(keys.value.authKey),
    });
  } finally {
    zeroize(keys.value.keyEncryptionKey, keys.value.authKey);
  }
};

export const signIn = async (
  auth: AuthClient,
  rawEmail: string,
  password: string,
  deviceName: string,
): Promise<Result<{ readonly login: LoginResponse; readonly vault: UnlockedVault }, SignInError>> => {
  const email = normaliseEmail(rawEmail);
  const prelogin = await auth.prelogin(email);
  if (!prelogin.ok) return err({ type: 'Transport', error: prelogin.error });
  let login: LoginResponse | undefined;
  const vault = await deriveAndUnlock(prelogin.value, password, async ({ keyEncryptionKey, authKeyB64 }) => {
    const answer = await auth.login({ email, authKey: authKeyB64, device: { name: deviceName } });
    if (!answer.ok) return err({ type: 'Transport', error: answer.error });
    login = answer.value;
    const opened = await unlockVault(answer.value.vault, keyEncryptionKey, email);
    return opened.ok ? ok(opened.value) : err({ type: 'WrongPassword' });
  });
  return vault.ok ? ok({ login: login!, vault: vault.value }) : vault;
};

/** Opens a saved vault envelope again (a later session on a signed-in device). */
export const unlockWithPassword = (
  envelope: VaultEnvelope,
  rawEmail: string,
  password: string,
): Promise<Result<UnlockedVault, SignInError>> =>
  deriveAndUnlock(envelope, password, async ({ keyEncryptionKey }) => {
    const opened = await unlockVault(envelope, keyEncryptionKey, normaliseEmail(rawEmail));
    return opened.ok ? ok(opened.value) : err({ type: 'WrongPassword' });
  });

export const describeSignInError = (error: SignInError): string => {
  switch (error.type) {
    case 'Transport': {
      const e = error.error;
      return e.type === 'ProblemResponse'
        ? `${e.problem.code}${e.problem.detail ? `: ${e.problem.detail}` : ''}`
        : e.type === 'NetworkFailure'
          ? `cannot reach the server (${e.message})`
          : `the server answered something unexpected (${e.reason})`;
    }
    case 'KdfRefused':
      return `refusing the server's key-derivation parameters (${error.reason})`;
    case 'InvalidSalt':
      return 'the server sent an invalid salt';
    case 'WrongPassword':
      return 'wrong password';
  }
};
