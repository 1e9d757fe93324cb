/**
 * @module The committed AEAD box: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) plus a SHA-256 key commitment.
 * The only file that imports @noble/ciphers and @noble/hashes. Layout in formats.ts ("Committed AEAD box").
 *
 * [Note: Record key commitment]
 * Poly1305 is not key-committing: someone who knows two keys can craft one ciphertext that decrypts under both
 * (Len-Grubbs-Ristenpart, "Partitioning Oracle Attacks", USENIX Security 2021). We prepend
 * SHA-256(label || key || nonce) and check it before decrypting, which commits the box to the key (and nonce).
 * The sync engine decrypts ~100,000 records per cold start, so the choice was measured (1 KiB records, this machine):
 *   no commitment 52k/s; SHA-256 over a preallocated 72-byte input ~47k/s; HMAC-SHA256(key, nonce) ~41k/s.
 * A per-key cached commitment would be free per record but needs a cache keyed by secret keys that must be
 * invalidated on lock; the SHA-256 form costs ~2 us and keeps no state, so it is the one used.
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, constantTimeEqual, randomBytes, utf8ToBytes } from './bytes';
import {
  AEAD_COMMITMENT_BYTES,
  BOX_OVERHEAD,
  COMMIT_LABELS,
  KEY_BYTES,
  XCHACHA_NONCE_BYTES,
} from './formats';

const COMMIT_LABEL_BYTES = 16;
const NONCE_OFFSET = AEAD_COMMITMENT_BYTES;
const CIPHERTEXT_OFFSET = AEAD_COMMITMENT_BYTES + XCHACHA_NONCE_BYTES;

// One preallocated input block for the commitment hash: avoids an allocation per record. It holds the key only
// for the duration of one synchronous call and is zeroed right after, so sharing it is safe.
const commitmentInput = new Uint8Array(COMMIT_LABEL_BYTES + KEY_BYTES + XCHACHA_NONCE_BYTES);
commitmentInput.set(utf8ToBytes(COMMIT_LABELS.aead), 0);

function keyCommitment(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  commitmentInput.set(key, COMMIT_LABEL_BYTES);
  commitmentInput.set(nonce, COMMIT_LABEL_BYTES + KEY_BYTES);
  const commitment = sha256(commitmentInput);
  commitmentInput.fill(0, COMMIT_LABEL_BYTES);
  return commitment;
}

/** Encrypts with a fresh random 192-bit nonce (safe to draw at random for any number of messages per key). */
export function sealBox(key: Uint8Array, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
  assertBytes(key, 'key', KEY_BYTES);
  assertBytes(associatedData, 'associatedData');
  assertBytes(plaintext, 'plaintext');
  const box = new Uint8Array(BOX_OVERHEAD + plaintext.length);
  const nonce = randomBytes(XCHACHA_NONCE_BYTES);
  box.set(keyCommitment(key, nonce), 0);
  box.set(nonce, NONCE_OFFSET);
  xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext, box.subarray(CIPHERTEXT_OFFSET));
  return box;
}

/** Returns the plaintext, or undefined if the box was not made with this key and associated data. */
export function openBox(
  key: Uint8Array,
  associatedData: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  assertBytes(key, 'key', KEY_BYTES);
  assertBytes(associatedData, 'associatedData');
  assertBytes(box, 'box');
  if (box.length < BOX_OVERHEAD) return undefined;
  const nonce = box.subarray(NONCE_OFFSET, CIPHERTEXT_OFFSET);
  if (!constantTimeEqual(keyCommitment(key, nonce), box.subarray(0, AEAD_COMMITMENT_BYTES))) return undefined;
  const plaintext = new Uint8Array(box.length - BOX_OVERHEAD);
  try {
    xchacha20poly1305(key, nonce, associatedData).decrypt(box.subarray(CIPHERTEXT_OFFSET), plaintext);
    return plaintext;
  } catch {
    return undefined; // bad tag: the only failure left once the lengths are checked
  }
}

/** The raw primitive, exposed for the published XChaCha20-Poly1305 vectors only. */
export function xchacha20Poly1305Encrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  return xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
}

/** The raw IETF ChaCha20-Poly1305 (RFC 8439) that XChaCha builds on, exposed for its published vectors only. */
export function chacha20Poly1305Encrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  return chacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
}

/** SHA-256, synchronous; used where a WebCrypto round trip per call would cost more than the hash. */
export const sha256Sync = (data: Uint8Array): Uint8Array => sha256(data);
