/**
 * @module Record encryption: the sync engine's hot path (about 100,000 decrypts on a cold start), so it is
 * synchronous and allocates little. Layout and associated data in formats.ts ("Records").
 * Decryption failures are uniform (See: [Note: Uniform decryption errors]).
 */
import { err, ok, type Result } from '../result';
import { openBox, sealBox } from './aead';
import { assertBytes, zeroize } from './bytes';
import { CryptoInputError, type DecryptFailed, decryptFailed } from './errors';
import {
  assertRecordContext,
  BOX_OVERHEAD,
  FORMAT_VERSION,
  KEY_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_LENGTH_PREFIX_BYTES,
  RECORD_MAX_PLAINTEXT_BYTES,
  type RecordContext,
  recordAd,
  recordPaddedLength,
} from './formats';
import type { CollectionKey, RecordCiphertext } from './types';

export type { RecordContext };

/** Pads, encrypts and binds the record to its collection, id, version and key epoch. */
export function encryptRecord(
  key: CollectionKey,
  context: RecordContext,
  plaintext: Uint8Array,
): RecordCiphertext {
  assertBytes(key, 'key', KEY_BYTES);
  assertRecordContext(context);
  assertBytes(plaintext, 'plaintext');
  if (plaintext.length > RECORD_MAX_PLAINTEXT_BYTES) {
    throw new CryptoInputError(`record plaintext over ${RECORD_MAX_PLAINTEXT_BYTES} bytes`);
  }
  const padded = new Uint8Array(recordPaddedLength(plaintext.length));
  new DataView(padded.buffer).setUint32(0, plaintext.length);
  padded.set(plaintext, RECORD_LENGTH_PREFIX_BYTES);
  const box = sealBox(key, recordAd(context), padded);
  zeroize(padded);
  const out = new Uint8Array(RECORD_HEADER_BYTES + box.length);
  out[0] = FORMAT_VERSION;
  new DataView(out.buffer).setUint32(1, context.epoch);
  out.set(box, RECORD_HEADER_BYTES);
  return out as RecordCiphertext;
}

/** Big-endian u32 at `offset`, read without a DataView (an allocation per record otherwise). */
const u32beAt = (bytes: Uint8Array, offset: number): number =>
  ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
  0;

/** The epoch in the header, or undefined when the header cannot be a record's. */
function claimedEpoch(ciphertext: Uint8Array): number | undefined {
  if (ciphertext.length < RECORD_HEADER_BYTES + BOX_OVERHEAD || ciphertext[0] !== FORMAT_VERSION)
    return undefined;
  return u32beAt(ciphertext, 1);
}

/** The key epoch a record claims, to pick the key; decryption then checks the claim. */
export function recordKeyEpoch(ciphertext: Uint8Array): Result<number, DecryptFailed> {
  assertBytes(ciphertext, 'ciphertext');
  const epoch = claimedEpoch(ciphertext);
  return epoch === undefined ? err(decryptFailed) : ok(epoch);
}

/** The plaintext, or DecryptFailed if anything about the record differs from what it was encrypted as. */
export function decryptRecord(
  key: CollectionKey,
  context: RecordContext,
  ciphertext: Uint8Array,
): Result<Uint8Array, DecryptFailed> {
  assertBytes(key, 'key', KEY_BYTES);
  assertRecordContext(context);
  assertBytes(ciphertext, 'ciphertext');
  if (claimedEpoch(ciphertext) !== context.epoch) return err(decryptFailed);
  const padded = openBox(key, recordAd(context), ciphertext.subarray(RECORD_HEADER_BYTES));
  if (!padded || padded.length < RECORD_LENGTH_PREFIX_BYTES) return err(decryptFailed);
  const length = u32beAt(padded, 0);
  // An authentic record always has a consistent length; this guards against our own encoder bugs.
  if (recordPaddedLength(length) !== padded.length) return err(decryptFailed);
  return ok(padded.subarray(RECORD_LENGTH_PREFIX_BYTES, RECORD_LENGTH_PREFIX_BYTES + length));
}
