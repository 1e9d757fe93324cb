/**
 * @module The public crypto API of client-core. Everything else in this folder is internal: callers get keys
 * only as branded types, expected failures as Result values, and never touch a crypto library directly.
 * Byte layouts and labels: formats.ts and docs/crypto.md.
 */

export {
  type ByteSource,
  decryptBlob,
  decryptBlobBytes,
  encryptBlob,
  encryptBlobBytes,
  generateBlobKey,
  generateBlobNoncePrefix,
  toReadableStream,
} from './blobs';
export { base64ToBytes, bytesToBase64, zeroize } from './bytes';
export {
  type CollectionKeyContext,
  generateCollectionKey,
  openSealedCollectionKey,
  rotateCollectionKey,
  sealCollectionKey,
  sealedKeyEpoch,
  unwrapCollectionKeyForOwner,
  wrapCollectionKeyForOwner,
} from './collection-keys';
export { type ContentHasher, contentHashOf, createContentHasher, deriveContentHashKey } from './content-hash';
export * from './errors';
export type { BlobHeaderFields, RecordContext } from './formats';
export {
  blobCiphertextLength,
  FORMAT_VERSION,
  padme,
  recordPaddedLength,
} from './formats';
export {
  createIdentityBundle,
  type IdentityBundle,
  type IdentityKeys,
  type PublicIdentity,
  safetyNumber,
  verifyIdentityBundle,
} from './identity';
export {
  type Argon2Runner,
  type Argon2WorkerLike,
  checkKdfParams,
  createBrowserArgon2Runner,
  createWorkerArgon2Runner,
  DEFAULT_KDF_PARAMS,
  deriveLoginKeys,
  KDF_FLOOR,
  type KdfOptions,
  type KdfParams,
  type KdfPhase,
  type LoginKeys,
  prepareKdf,
  runArgon2InThread,
} from './kdf';
export { decryptRecord, encryptRecord, recordKeyEpoch } from './records';
export { RECOVERY_WORD_COUNT } from './recovery';
export { hkdfSha256Sync, hmacSha256Sync } from './sha2';
export type * from './types';
export {
  type CreatedVault,
  changePassword,
  createVault,
  envelopeSalt,
  lockVault,
  newRecoveryKey,
  type PasswordWrap,
  recoveryWordsToAuthKey,
  rotateRecoveryKey,
  type UnlockedVault,
  unlockVault,
  unlockVaultWithPassword,
  unlockVaultWithRecoveryWords,
  type VaultEnvelope,
  type VaultOptions,
  wrapForNewPassword,
} from './vault';
