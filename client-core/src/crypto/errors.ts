/**
 * @module Crypto failures. Expected ones (wrong password, tampered data, weak params from the server) are plain
 * values returned in a Result; misuse by the caller (wrong key length, bad argument) throws `CryptoInputError`.
 *
 * [Note: Uniform decryption errors]
 * Every authentication failure (bad tag, bad key commitment, wrong associated data, bad padding, truncation,
 * reordering) is reported as the same `{ type: 'DecryptFailed' }`, so an attacker probing with forged data
 * learns nothing about which check failed.
 */

export interface DecryptFailed {
  readonly type: 'DecryptFailed';
}

export type KdfParamsRejected =
  | { readonly type: 'KdfParamsTooWeak'; readonly reason: string }
  | { readonly type: 'KdfParamsUnsupported'; readonly algorithm: string };

export interface Aborted {
  readonly type: 'Aborted';
}

export interface InvalidRecoveryPhrase {
  readonly type: 'InvalidRecoveryPhrase';
}

export interface SignatureInvalid {
  readonly type: 'SignatureInvalid';
}

export interface MalformedInput {
  readonly type: 'MalformedInput';
  readonly what: string;
}

export const decryptFailed: DecryptFailed = Object.freeze({ type: 'DecryptFailed' });
export const aborted: Aborted = Object.freeze({ type: 'Aborted' });
export const signatureInvalid: SignatureInvalid = Object.freeze({ type: 'SignatureInvalid' });

/** Thrown for programming errors: a caller passed bytes of the wrong length, a negative epoch, and so on. */
export class CryptoInputError extends Error {
  override readonly name = 'CryptoInputError';
}

/**
 * Thrown through a stream (which cannot return a Result per chunk) when a blob fails to decrypt; carries the same
 * uniform value as every other decryption failure.
 */
export class BlobDecryptError extends Error {
  override readonly name = 'BlobDecryptError';
  readonly error: DecryptFailed = decryptFailed;
  constructor() {
    super('blob failed to decrypt');
  }
}
