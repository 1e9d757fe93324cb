/**
 * @module The account, shared by the worker and the CLI. Signing in with a password: prelogin, derive the keys
 * (refusing server parameters below the floor), log in with the auth key, and open the vault the server returned.
 * Unlocking on the device: the same derivation from a remembered envelope, no network; the auth key is handed
 * back (to log in once the server is reachable) and the caller zeroes it.
 * Changing the password, recovering with the 24 words, rotating the recovery key, and the sessions list. The
 * password, the words and every key derived from them are dropped before these return.
 */
import {
  Email,
  type LoginResponse,
  type PasswordWrap,
  type SessionInfo,
  Uuid,
  VaultEnvelope,
} from '@halyon/protocol';
import { z } from 'zod';
import {
  bytesToBase64,
  checkKdfParams,
  deriveLoginKeys,
  envelopeSalt,
  type KeyEncryptionKey,
  lockVault,
  newRecoveryKey,
  recoveryWordsToAuthKey,
  type UnlockedVault,
  unlockVault,
  unlockVaultWithRecoveryWords,
  wrapForNewPassword,
  zeroize,
} from '../crypto';
import { err, ok, type Result } from '../result';
import type { TransportError } from '../sync/transport';
import type { AccessTokenSource, AuthClient } from '../transport/auth-client';

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

/**
 * What a device keeps to unlock without the server: the account's ids and its vault envelope as the server holds
 * it (KDF parameters, salt, wrapped keys: public values and ciphertext, never a key or the password), plus the
 * sessions this device ended while the server was out of reach, to revoke once it signs in again.
 */
export const RememberedAccount = z.object({
  userId: Uuid,
  email: Email,
  vault: VaultEnvelope,
  sessionsToEnd: z.array(Uuid).max(100),
});
export type RememberedAccount = z.infer<typeof RememberedAccount>;

/** The account a password sign-in opened, to remember on this device. */
export const rememberedAccountOf = (login: LoginResponse, rawEmail: string): RememberedAccount => ({
  userId: login.userId,
  email: normaliseEmail(rawEmail),
  vault: login.vault,
  sessionsToEnd: [],
});

/** After a password change on this device: the new password's wrap replaces the old one. */
export const withPasswordWrap = (account: RememberedAccount, wrap: PasswordWrap): RememberedAccount => ({
  ...account,
  vault: { ...account.vault, ...wrap },
});

/**
 * Unlocks from what the device remembers, with no network: the KDF floor applies as to a server's parameters,
 * and every failure to open the wrapped keys (wrong password, tampered or malformed record) is `WrongPassword`.
 * Returns the auth key too (to log in later); the caller owns it and zeroes it.
 */
export const unlockOnDevice = async (
  remembered: unknown,
  password: string,
): Promise<
  Result<
    { readonly account: RememberedAccount; readonly vault: UnlockedVault; readonly authKey: Uint8Array },
    SignInError
  >
> => {
  const parsed = RememberedAccount.safeParse(remembered);
  if (!parsed.success) {
    const kdfParams = (remembered as { vault?: { kdfParams?: unknown } } | null)?.vault?.kdfParams;
    // Parameters of a kind or strength the client refuses are named as such, as a server's would be.
    const kdf = checkKdfParams(kdfParams);
    return err(kdf.ok ? { type: 'WrongPassword' } : { type: 'KdfRefused', reason: kdf.error.type });
  }
  const account = parsed.data;
  const salt = envelopeSalt(account.vault);
  if (!salt) return err({ type: 'InvalidSalt' });
  const keys = await deriveLoginKeys(password, salt, account.vault.kdfParams);
  if (!keys.ok) return err({ type: 'KdfRefused', reason: keys.error.type });
  const { keyEncryptionKey, authKey } = keys.value;
  const opened = await unlockVault(account.vault, keyEncryptionKey, account.email);
  zeroize(keyEncryptionKey);
  if (opened.ok) return ok({ account, vault: opened.value, authKey });
  zeroize(authKey);
  return err({ type: 'WrongPassword' });
};

/** Logs in with an auth key derived earlier (an unlock on the device); a new session on the server. */
export const logInWithAuthKey = (
  auth: AuthClient,
  rawEmail: string,
  authKey: Uint8Array,
  deviceName: string,
) =>
  auth.login({
    email: normaliseEmail(rawEmail),
    authKey: bytesToBase64(authKey),
    device: { name: deviceName },
  });

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

const transport = (error: TransportError) => ({ type: 'Transport' as const, error });
const isProblem = (error: TransportError, code: string) =>
  error.type === 'ProblemResponse' && error.problem.code === code;

/** The current password's auth key, derived with the account's own salt and (floor-checked) parameters. */
const currentAuthKey = async (
  auth: AuthClient,
  email: string,
  password: string,
): Promise<Result<string, SignInError>> => {
  const prelogin = await auth.prelogin(email);
  if (!prelogin.ok) return err(transport(prelogin.error));
  const salt = envelopeSalt(prelogin.value);
  if (!salt) return err({ type: 'InvalidSalt' });
  const keys = await deriveLoginKeys(password, salt, prelogin.value.kdfParams);
  if (!keys.ok) return err({ type: 'KdfRefused', reason: keys.error.type });
  const authKeyB64 = bytesToBase64(keys.value.authKey);
  zeroize(keys.value.keyEncryptionKey, keys.value.authKey);
  return ok(authKeyB64);
};

/**
 * Signed in: proves the current password and wraps the master key under the new one (new salt, same master key;
 * the recovery wrap untouched). The server ends every other session; this one carries on. A wrong current
 * password is `WrongPassword` and changes nothing. Returns the new wrap (for a device that remembers the envelope).
 */
export const changeAccountPassword = async (
  auth: AuthClient,
  accessToken: AccessTokenSource,
  vault: UnlockedVault,
  currentPassword: string,
  newPassword: string,
): Promise<Result<PasswordWrap, SignInError>> => {
  const current = await currentAuthKey(auth, vault.userId, currentPassword);
  if (!current.ok) return current;
  const rewrapped = await wrapForNewPassword(vault, newPassword);
  if (!rewrapped.ok) return err({ type: 'KdfRefused', reason: rewrapped.error.type });
  const changed = await auth.changePassword(accessToken, {
    currentAuthKey: current.value,
    newAuthKey: rewrapped.value.authKeyB64,
    wrap: rewrapped.value.wrap,
  });
  if (changed.ok) return ok(rewrapped.value.wrap);
  return err(
    isProblem(changed.error, 'invalid_credentials') ? { type: 'WrongPassword' } : transport(changed.error),
  );
};

export type RecoverError =
  | SignInError
  /** Not 24 words of the list, or a bad checksum: checked before anything is sent. */
  | { readonly type: 'InvalidRecoveryPhrase' }
  /**
   * The words are not this account's recovery key (or there is no such account: the server does not say), or the
   * recovery token was used or expired before the new password arrived: start again.
   */
  | { readonly type: 'WrongRecoveryKey' };

/**
 * A forgotten password: the words prove themselves to the server (their recovery auth key), which hands back the
 * vault envelope and a single-use token; the words open the master key, which is wrapped under the new password
 * and sent with the token. The server ends every session and answers a new one, returned with the open vault.
 */
export const recoverAccount = async (
  auth: AuthClient,
  rawEmail: string,
  words: string | ReadonlyArray<string>,
  newPassword: string,
  deviceName: string,
): Promise<Result<{ readonly login: LoginResponse; readonly vault: UnlockedVault }, RecoverError>> => {
  const email = normaliseEmail(rawEmail);
  const recoveryAuthKey = await recoveryWordsToAuthKey(words);
  if (!recoveryAuthKey.ok) return recoveryAuthKey;
  const proved = await auth.recover({ email, recoveryAuthKey: recoveryAuthKey.value });
  if (!proved.ok) {
    return err(
      isProblem(proved.error, 'invalid_credentials') ? { type: 'WrongRecoveryKey' } : transport(proved.error),
    );
  }
  // The server accepted the words, so an envelope they do not open was tampered with: refuse it all the same.
  const opened = await unlockVaultWithRecoveryWords(proved.value.vault, words, email);
  if (!opened.ok) return err({ type: 'WrongRecoveryKey' });
  const vault = opened.value;
  const rewrapped = await wrapForNewPassword(vault, newPassword);
  if (!rewrapped.ok) {
    lockVault(vault);
    return err({ type: 'KdfRefused', reason: rewrapped.error.type });
  }
  const completed = await auth.completeRecovery({
    recoveryToken: proved.value.recoveryToken,
    newAuthKey: rewrapped.value.authKeyB64,
    wrap: rewrapped.value.wrap,
    device: { name: deviceName },
  });
  if (!completed.ok) {
    lockVault(vault);
    // A token refused here was used or expired in the meantime: the words have to prove themselves again.
    return err(
      isProblem(completed.error, 'unauthorized') ? { type: 'WrongRecoveryKey' } : transport(completed.error),
    );
  }
  return ok({ login: completed.value, vault });
};

/**
 * Signed in: a new recovery key replaces the old one on the server (its wrap and its auth key), proved by the
 * current password. Returns the new words, to show once.
 */
export const rotateAccountRecoveryKey = async (
  auth: AuthClient,
  accessToken: AccessTokenSource,
  vault: UnlockedVault,
  currentPassword: string,
): Promise<Result<{ readonly recoveryWords: ReadonlyArray<string> }, SignInError>> => {
  const current = await currentAuthKey(auth, vault.userId, currentPassword);
  if (!current.ok) return current;
  const fresh = await newRecoveryKey(vault);
  const rotated = await auth.rotateRecoveryKey(accessToken, {
    currentAuthKey: current.value,
    recoveryAuthKey: fresh.recoveryAuthKeyB64,
    recoveryWrappedMasterKey: fresh.recoveryWrappedMasterKey,
  });
  if (rotated.ok) return ok({ recoveryWords: fresh.recoveryWords });
  return err(
    isProblem(rotated.error, 'invalid_credentials') ? { type: 'WrongPassword' } : transport(rotated.error),
  );
};

/** The account's signed-in devices, this one marked `current`. */
export const listAccountSessions = async (
  auth: AuthClient,
  accessToken: AccessTokenSource,
): Promise<Result<ReadonlyArray<SessionInfo>, TransportError>> => {
  const listed = await auth.listSessions(accessToken);
  return listed.ok ? ok(listed.value.sessions) : listed;
};

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
