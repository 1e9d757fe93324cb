/**
 * @module The committed AEAD box: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) plus a SHA-256 key commitment.
 * The only file that imports @noble/ciphers. Layout in formats.ts ("Committed AEAD box").
 *
 * [Note: Record key commitment]
 * Poly1305 is not key-committing: someone who knows two keys can craft one ciphertext that decrypts under both
 * (Len-Grubbs-Ristenpart, "Partitioning Oracle Attacks", USENIX Security 2021). We prepend
 * SHA-256(label || key || nonce) and check it before decrypting, which commits the box to the key (and nonce).
 * The sync engine decrypts ~100,000 records per cold start, so the choice was measured (1 KiB records, this machine):
 *   no commitment 52k/s; SHA-256 over a preallocated 72-byte input ~47k/s; HMAC-SHA256(key, nonce) ~41k/s.
 * A per-key cached commitment would be free per record but needs a cache keyed by secret keys that must be
 * invalidated on lock; the SHA-256 form keeps no state, so it is the one used.
 *
 * [Note: AEAD backend]
 * XChaCha20-Poly1305 is, by its definition (draft section 2.3), the IETF ChaCha20-Poly1305 AEAD (RFC 8439) under
 * the subkey HChaCha20(key, nonce[0..16]) with the nonce 0x00000000 || nonce[16..24]. We derive the subkey once
 * with noble's HChaCha20 (noble's xchacha20poly1305 derives it twice: once for the Poly1305 key, once for the
 * stream) and hand the AEAD, and the commitment's SHA-256, to node:crypto where the runtime has it (OpenSSL), else
 * to noble. A 1 KiB record decrypt went from ~254,000 to ~69,000 instructions in Node (callgrind); browsers run all
 * noble. Output is byte-identical: both backends pass the draft's, RFC 8439's and FIPS 180-4's vectors
 * (vectors/check-vectors.ts), so the format does not depend on the runtime.
 */
import { chacha20poly1305, hchacha } from '@noble/ciphers/chacha.js';
import { assertBytes, constantTimeEqual, utf8ToBytes } from './bytes';
import {
  AEAD_COMMITMENT_BYTES,
  BOX_OVERHEAD,
  COMMIT_LABELS,
  KEY_BYTES,
  POLY1305_TAG_BYTES,
  XCHACHA_NONCE_BYTES,
} from './formats';
import { nodeChaCha20Poly1305 } from './node-crypto';
import { sha256Sync } from './sha2';

/** The IETF ChaCha20-Poly1305 AEAD (RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag after the ciphertext. */
export interface ChaCha20Poly1305 {
  readonly name: 'noble' | 'node:crypto';
  /** Writes ciphertext || tag into `out`, which is exactly plaintext.length + 16 bytes. */
  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    associatedData: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
  ): void;
  /** The plaintext, or undefined when the tag does not verify (no plaintext is released then). */
  open(
    key: Uint8Array,
    nonce: Uint8Array,
    associatedData: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array | undefined;
}

const nobleChaCha20Poly1305: ChaCha20Poly1305 = {
  name: 'noble',
  seal(key, nonce, associatedData, plaintext, out) {
    chacha20poly1305(key, nonce, associatedData).encrypt(plaintext, out);
  },
  open(key, nonce, associatedData, sealed) {
    if (sealed.length < POLY1305_TAG_BYTES) return undefined;
    try {
      return chacha20poly1305(key, nonce, associatedData).decrypt(sealed);
    } catch {
      return undefined; // bad tag: the only failure left once the length is checked
    }
  },
};

/** Every backend this runtime has, for the vectors; the box uses node:crypto's where present, else noble's. */
export const chaCha20Poly1305Backends: ReadonlyArray<ChaCha20Poly1305> = nodeChaCha20Poly1305
  ? [nobleChaCha20Poly1305, nodeChaCha20Poly1305]
  : [nobleChaCha20Poly1305];
const boxBackend = nodeChaCha20Poly1305 ?? nobleChaCha20Poly1305;

// -------------------------------------------------------------------------------------------------------------
// XChaCha20 subkey. Scratch space shared by every call: each call is synchronous and wipes it before returning,
// so no secret outlives the call and nothing is allocated per record.

const HCHACHA_INPUT_NONCE_BYTES = 16;
const CHACHA_NONCE_BYTES = 12;
/** noble's hchacha reads and writes 32-bit words as laid out in memory, so the constant is its bytes' words. */
const SIGMA = new Uint32Array(utf8ToBytes('expand 32-byte k').buffer);
const keyWords = new Uint32Array(KEY_BYTES / 4);
const nonceWords = new Uint32Array(HCHACHA_INPUT_NONCE_BYTES / 4);
const subkeyWords = new Uint32Array(KEY_BYTES / 4);
const keyWordBytes = new Uint8Array(keyWords.buffer);
const nonceWordBytes = new Uint8Array(nonceWords.buffer);
const subkey = new Uint8Array(subkeyWords.buffer);
/** 0x00000000 || the last 8 bytes of the XChaCha nonce. */
const chachaNonce = new Uint8Array(CHACHA_NONCE_BYTES);

/** Fills `subkey` and `chachaNonce` for one call; the caller runs wipeSubkey() when done. */
function deriveSubkey(key: Uint8Array, nonce: Uint8Array): void {
  keyWordBytes.set(key);
  nonceWordBytes.set(nonce.subarray(0, HCHACHA_INPUT_NONCE_BYTES));
  hchacha(SIGMA, keyWords, nonceWords, subkeyWords);
  chachaNonce.set(nonce.subarray(HCHACHA_INPUT_NONCE_BYTES), CHACHA_NONCE_BYTES - 8);
  keyWords.fill(0);
}

function wipeSubkey(): void {
  subkey.fill(0);
}

/** XChaCha20-Poly1305 sealing into `out` (plaintext.length + 16 bytes). */
function xchachaSealInto(
  backend: ChaCha20Poly1305,
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
): void {
  deriveSubkey(key, nonce);
  try {
    backend.seal(subkey, chachaNonce, associatedData, plaintext, out);
  } finally {
    wipeSubkey();
  }
}

function xchachaOpen(
  backend: ChaCha20Poly1305,
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | undefined {
  deriveSubkey(key, nonce);
  try {
    return backend.open(subkey, chachaNonce, associatedData, sealed);
  } finally {
    wipeSubkey();
  }
}

// -------------------------------------------------------------------------------------------------------------
// The committed box

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
  const commitment = sha256Sync(commitmentInput);
  commitmentInput.fill(0, COMMIT_LABEL_BYTES);
  return commitment;
}

/** Encrypts with a fresh random 192-bit nonce (safe to draw at random for any number of messages per key). */
export function sealBox(key: Uint8Array, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
  assertBytes(key, 'key', KEY_BYTES);
  assertBytes(associatedData, 'associatedData');
  assertBytes(plaintext, 'plaintext');
  const box = new Uint8Array(BOX_OVERHEAD + plaintext.length);
  const nonce = box.subarray(NONCE_OFFSET, CIPHERTEXT_OFFSET);
  crypto.getRandomValues(nonce);
  box.set(keyCommitment(key, nonce), 0);
  xchachaSealInto(boxBackend, key, nonce, associatedData, plaintext, box.subarray(CIPHERTEXT_OFFSET));
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
  return xchachaOpen(boxBackend, key, nonce, associatedData, box.subarray(CIPHERTEXT_OFFSET));
}

// -------------------------------------------------------------------------------------------------------------
// The raw primitives, exposed for the published vectors only (each backend is checked).

/** HChaCha20 (draft-irtf-cfrg-xchacha-03, section 2.2). */
export function hchacha20(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  assertBytes(key, 'key', KEY_BYTES);
  assertBytes(nonce, 'nonce', HCHACHA_INPUT_NONCE_BYTES);
  deriveSubkey(key, nonce);
  const out = subkey.slice();
  wipeSubkey();
  return out;
}

export function xchacha20Poly1305Encrypt(
  backend: ChaCha20Poly1305,
  key: Uint8Array,
  nonce: Uint8Array,
  associatedData: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(plaintext.length + POLY1305_TAG_BYTES);
  xchachaSealInto(backend, key, nonce, associatedData, plaintext, out);
  return out;
}

export const xchacha20Poly1305Decrypt = xchachaOpen;
