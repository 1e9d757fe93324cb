/**
 * @module The vault: the random master key, wrapped once by the password's KEK and once by the recovery key,
 * plus the wrapped identity keys, as the VaultEnvelope the server stores opaquely. Creating, unlocking (by
 * password or recovery words), changing the password, rotating the recovery key and locking. The recovery key
 * also yields a recovery auth key (HKDF, its own label), which proves the recovery key to the server the way the
 * auth key proves the password: the server stores only its slow hash and never learns the key.
 *
 * [Note: Vault user binding]
 * Every wrap's associated data binds the purpose, FORMAT_VERSION and `userId`, so the server cannot swap one
 * wrapped key for another (the identity wrap for the master wrap, or another account's envelope). `userId` must be
 * known to the client before registration and at every unlock: protocol v1 assigns the server's user id only
 * after registering, so Halyon passes the account's normalised e-mail address (and re-wraps on an e-mail change).
 */
import type { KdfParams, PasswordWrap, VaultEnvelope } from '@halyon/protocol';
import { err, ok, type Result } from '../result';
import { openBox, sealBox } from './aead';
import {
  assertBytes,
  assertNonEmptyString,
  base64ToBytes,
  bytesToBase64,
  randomBytes,
  zeroize,
} from './bytes';
import {
  type Aborted,
  CryptoInputError,
  type DecryptFailed,
  decryptFailed,
  type InvalidRecoveryPhrase,
  type KdfParamsRejected,
} from './errors';
import { encodeContext, FORMAT_VERSION, KEY_BYTES, LABELS, SALT_BYTES } from './formats';
import {
  createIdentityBundle,
  generateIdentityKeys,
  type IdentityBundle,
  type IdentityKeys,
  unwrapIdentityKeys,
  wrapIdentityKeys,
  zeroIdentityKeys,
} from './identity';
import { checkKdfParams, DEFAULT_KDF_PARAMS, deriveLoginKeys, hkdfSha256, type KdfOptions } from './kdf';
import { generateRecoveryKey, recoveryKeyToWords, wordsToRecoveryKey } from './recovery';
import type { KeyEncryptionKey, MasterKey, RecoveryKey, Salt } from './types';

export type { PasswordWrap, VaultEnvelope };

/** An open vault. Hold it in the worker only; `lockVault` zeroes every key in it. */
export interface UnlockedVault {
  readonly userId: string;
  readonly masterKey: MasterKey;
  readonly identity: IdentityKeys;
}

export interface VaultOptions extends KdfOptions {
  /** Defaults to DEFAULT_KDF_PARAMS; always checked against the floor. */
  readonly kdfParams?: KdfParams;
}

export interface CreatedVault {
  readonly vault: UnlockedVault;
  readonly envelope: VaultEnvelope;
  readonly identityBundle: IdentityBundle;
  /** Base64 of the 32-byte auth key, as sent at registration. */
  readonly authKeyB64: string;
  /** Base64 of the 32-byte recovery auth key, as sent at registration. */
  readonly recoveryAuthKeyB64: string;
  /** Shown to the user once; never stored. */
  readonly recoveryWords: ReadonlyArray<string>;
}

const masterKeyAd = (userId: string) => encodeContext(LABELS.vaultMasterKeyAd, FORMAT_VERSION, userId);
const recoveryAd = (userId: string) => encodeContext(LABELS.vaultRecoveryAd, FORMAT_VERSION, userId);

async function wrapWithRecoveryKey(recoveryKey: RecoveryKey, userId: string, masterKey: MasterKey) {
  const wrapKey = await hkdfSha256(recoveryKey, LABELS.recoveryWrap);
  try {
    return sealBox(wrapKey, recoveryAd(userId), masterKey);
  } finally {
    zeroize(wrapKey);
  }
}

/** HKDF-SHA256(recoveryKey, info = LABELS.recoveryAuth), base64: independent of the wrap key by its label. */
async function recoveryAuthKeyOf(recoveryKey: RecoveryKey): Promise<string> {
  const authKey = await hkdfSha256(recoveryKey, LABELS.recoveryAuth);
  try {
    return bytesToBase64(authKey);
  } finally {
    zeroize(authKey);
  }
}

/** The recovery auth key for the 24 words, to prove them to the server before it hands out the envelope. */
export async function recoveryWordsToAuthKey(
  words: string | ReadonlyArray<string>,
): Promise<Result<string, InvalidRecoveryPhrase>> {
  const recoveryKey = wordsToRecoveryKey(words);
  if (!recoveryKey.ok) return recoveryKey;
  try {
    return ok(await recoveryAuthKeyOf(recoveryKey.value));
  } finally {
    zeroize(recoveryKey.value);
  }
}

/** A new account's keys: master key, identity, recovery key, and the envelope + auth key to register with. */
export async function createVault(
  password: string,
  userId: string,
  options: VaultOptions = {},
): Promise<Result<CreatedVault, KdfParamsRejected | Aborted>> {
  assertNonEmptyString(userId, 'userId');
  const kdfParams = options.kdfParams ?? DEFAULT_KDF_PARAMS;
  const salt = randomBytes(SALT_BYTES) as Salt;
  const login = await deriveLoginKeys(password, salt, kdfParams, options);
  if (!login.ok) return login;
  const { keyEncryptionKey, authKey } = login.value;

  const masterKey = randomBytes(KEY_BYTES) as MasterKey;
  const recoveryKey = generateRecoveryKey();
  const identity = await generateIdentityKeys();
  try {
    const envelope: VaultEnvelope = {
      kdfParams,
      salt: bytesToBase64(salt),
      wrappedMasterKey: bytesToBase64(sealBox(keyEncryptionKey, masterKeyAd(userId), masterKey)),
      recoveryWrappedMasterKey: bytesToBase64(await wrapWithRecoveryKey(recoveryKey, userId, masterKey)),
      wrappedIdentityKeys: bytesToBase64(await wrapIdentityKeys(masterKey, userId, identity)),
    };
    return ok({
      vault: { userId, masterKey, identity },
      envelope,
      identityBundle: await createIdentityBundle(identity),
      authKeyB64: bytesToBase64(authKey),
      recoveryAuthKeyB64: await recoveryAuthKeyOf(recoveryKey),
      recoveryWords: recoveryKeyToWords(recoveryKey),
    });
  } finally {
    zeroize(keyEncryptionKey, authKey, recoveryKey);
  }
}

interface DecodedEnvelope {
  readonly salt: Salt;
  readonly wrappedMasterKey: Uint8Array;
  readonly recoveryWrappedMasterKey: Uint8Array;
  readonly wrappedIdentityKeys: Uint8Array;
}

function decodeEnvelope(envelope: VaultEnvelope): DecodedEnvelope | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const salt = base64ToBytes(envelope.salt);
  const wrappedMasterKey = base64ToBytes(envelope.wrappedMasterKey);
  const recoveryWrappedMasterKey = base64ToBytes(envelope.recoveryWrappedMasterKey);
  const wrappedIdentityKeys = base64ToBytes(envelope.wrappedIdentityKeys);
  if (salt?.length !== SALT_BYTES || !wrappedMasterKey || !recoveryWrappedMasterKey || !wrappedIdentityKeys) {
    return undefined;
  }
  return { salt: salt as Salt, wrappedMasterKey, recoveryWrappedMasterKey, wrappedIdentityKeys };
}

/** The salt and params to derive the login keys with, from an envelope or a prelogin answer. */
export function envelopeSalt(envelope: Pick<VaultEnvelope, 'salt'>): Salt | undefined {
  const salt = base64ToBytes(envelope?.salt);
  return salt?.length === SALT_BYTES ? (salt as Salt) : undefined;
}

async function openWithMasterKey(
  masterKey: Uint8Array | undefined,
  userId: string,
  decoded: DecodedEnvelope,
): Promise<Result<UnlockedVault, DecryptFailed>> {
  if (masterKey?.length !== KEY_BYTES) {
    zeroize(masterKey);
    return err(decryptFailed);
  }
  const identity = await unwrapIdentityKeys(masterKey as MasterKey, userId, decoded.wrappedIdentityKeys);
  if (!identity.ok) {
    zeroize(masterKey);
    return identity;
  }
  return ok({ userId, masterKey: masterKey as MasterKey, identity: identity.value });
}

/** Unlocks with the KEK from deriveLoginKeys (the login flow derives it once for both the auth key and this). */
export async function unlockVault(
  envelope: VaultEnvelope,
  keyEncryptionKey: KeyEncryptionKey,
  userId: string,
): Promise<Result<UnlockedVault, DecryptFailed>> {
  assertBytes(keyEncryptionKey, 'keyEncryptionKey', KEY_BYTES);
  assertNonEmptyString(userId, 'userId');
  const decoded = decodeEnvelope(envelope);
  if (!decoded) return err(decryptFailed);
  return openWithMasterKey(
    openBox(keyEncryptionKey, masterKeyAd(userId), decoded.wrappedMasterKey),
    userId,
    decoded,
  );
}

/** Password -> (floor-checked) KDF -> KEK -> master key and identity. A wrong password is `DecryptFailed`. */
export async function unlockVaultWithPassword(
  envelope: VaultEnvelope,
  password: string,
  userId: string,
  options: KdfOptions = {},
): Promise<
  Result<
    { readonly vault: UnlockedVault; readonly authKeyB64: string },
    KdfParamsRejected | Aborted | DecryptFailed
  >
> {
  assertNonEmptyString(userId, 'userId');
  const checked = checkKdfParams(envelope?.kdfParams);
  if (!checked.ok) return checked;
  const salt = envelopeSalt(envelope);
  if (!salt) return err(decryptFailed);
  const login = await deriveLoginKeys(password, salt, checked.value, options);
  if (!login.ok) return login;
  const { keyEncryptionKey, authKey } = login.value;
  try {
    const vault = await unlockVault(envelope, keyEncryptionKey, userId);
    return vault.ok ? ok({ vault: vault.value, authKeyB64: bytesToBase64(authKey) }) : vault;
  } finally {
    zeroize(keyEncryptionKey, authKey);
  }
}

/** For a forgotten password: the 24 words open the vault; the caller then sets a new password (changePassword). */
export async function unlockVaultWithRecoveryWords(
  envelope: VaultEnvelope,
  words: string | ReadonlyArray<string>,
  userId: string,
): Promise<Result<UnlockedVault, InvalidRecoveryPhrase | DecryptFailed>> {
  assertNonEmptyString(userId, 'userId');
  const recoveryKey = wordsToRecoveryKey(words);
  if (!recoveryKey.ok) return recoveryKey;
  const decoded = decodeEnvelope(envelope);
  if (!decoded) return err(decryptFailed);
  const wrapKey = await hkdfSha256(recoveryKey.value, LABELS.recoveryWrap);
  zeroize(recoveryKey.value);
  const masterKey = openBox(wrapKey, recoveryAd(userId), decoded.recoveryWrappedMasterKey);
  zeroize(wrapKey);
  return openWithMasterKey(masterKey, userId, decoded);
}

/**
 * The master key wrapped under a new password with a new salt, and the new auth key: what a password change or
 * a recovery sends. No data is re-encrypted; the recovery wrap and the identity keys stay as they are.
 */
export async function wrapForNewPassword(
  vault: UnlockedVault,
  newPassword: string,
  options: VaultOptions = {},
): Promise<
  Result<{ readonly wrap: PasswordWrap; readonly authKeyB64: string }, KdfParamsRejected | Aborted>
> {
  assertUnlocked(vault);
  const kdfParams = options.kdfParams ?? DEFAULT_KDF_PARAMS;
  const salt = randomBytes(SALT_BYTES) as Salt;
  const login = await deriveLoginKeys(newPassword, salt, kdfParams, options);
  if (!login.ok) return login;
  const { keyEncryptionKey, authKey } = login.value;
  try {
    return ok({
      wrap: {
        kdfParams,
        salt: bytesToBase64(salt),
        wrappedMasterKey: bytesToBase64(
          sealBox(keyEncryptionKey, masterKeyAd(vault.userId), vault.masterKey),
        ),
      },
      authKeyB64: bytesToBase64(authKey),
    });
  } finally {
    zeroize(keyEncryptionKey, authKey);
  }
}

/** Re-wraps the master key under a new password and a new salt (wrapForNewPassword), as a whole envelope. */
export async function changePassword(
  vault: UnlockedVault,
  envelope: VaultEnvelope,
  newPassword: string,
  options: VaultOptions = {},
): Promise<
  Result<{ readonly envelope: VaultEnvelope; readonly authKeyB64: string }, KdfParamsRejected | Aborted>
> {
  const rewrapped = await wrapForNewPassword(vault, newPassword, options);
  if (!rewrapped.ok) return rewrapped;
  return ok({ envelope: { ...envelope, ...rewrapped.value.wrap }, authKeyB64: rewrapped.value.authKeyB64 });
}

/**
 * A new recovery key for an open vault: its wrap of the master key and its auth key (sent together to the server,
 * which replaces both), and the words to show once. The old words stop working once the server stores these.
 */
export async function newRecoveryKey(vault: UnlockedVault): Promise<{
  readonly recoveryWrappedMasterKey: string;
  readonly recoveryAuthKeyB64: string;
  readonly recoveryWords: ReadonlyArray<string>;
}> {
  assertUnlocked(vault);
  const recoveryKey = generateRecoveryKey();
  try {
    const wrapped = await wrapWithRecoveryKey(recoveryKey, vault.userId, vault.masterKey);
    return {
      recoveryWrappedMasterKey: bytesToBase64(wrapped),
      recoveryAuthKeyB64: await recoveryAuthKeyOf(recoveryKey),
      recoveryWords: recoveryKeyToWords(recoveryKey),
    };
  } finally {
    zeroize(recoveryKey);
  }
}

/** newRecoveryKey, as a whole envelope. */
export async function rotateRecoveryKey(
  vault: UnlockedVault,
  envelope: VaultEnvelope,
): Promise<{
  readonly envelope: VaultEnvelope;
  readonly recoveryAuthKeyB64: string;
  readonly recoveryWords: ReadonlyArray<string>;
}> {
  const { recoveryWrappedMasterKey, recoveryAuthKeyB64, recoveryWords } = await newRecoveryKey(vault);
  return { envelope: { ...envelope, recoveryWrappedMasterKey }, recoveryAuthKeyB64, recoveryWords };
}

/** Zeroes the master key and the identity private keys. The vault object is unusable afterwards. */
export function lockVault(vault: UnlockedVault): void {
  assertBytes(vault?.masterKey, 'masterKey', KEY_BYTES);
  zeroize(vault.masterKey);
  zeroIdentityKeys(vault.identity);
}

function assertUnlocked(vault: UnlockedVault): void {
  assertBytes(vault?.masterKey, 'masterKey', KEY_BYTES);
  assertNonEmptyString(vault.userId, 'userId');
  // A locked vault's keys are all zero; a random key is all zero with probability 2^-256.
  if (vault.masterKey.every((byte) => byte === 0)) throw new CryptoInputError('vault is locked');
}
