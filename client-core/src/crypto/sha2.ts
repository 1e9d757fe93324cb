/**
 * @module Synchronous SHA-256, HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869), for callers that cannot wait
 * on WebCrypto's promises: key commitments per record, link ids per link, keys derived while a library opens.
 * The only file that imports @noble/hashes; the one-shot SHA-256 is node:crypto's where the runtime has it.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, utf8ToBytes } from './bytes';
import { nodeSha256 } from './node-crypto';

/** A one-shot SHA-256 (FIPS 180-4). */
export interface Sha256 {
  readonly name: 'noble' | 'node:crypto';
  readonly hash: (data: Uint8Array) => Uint8Array;
}

const nobleSha256: Sha256 = { name: 'noble', hash: (data) => sha256(data) };

/** Every SHA-256 this runtime has, for the vectors; hashing uses node:crypto's where present, else noble's. */
export const sha256Backends: ReadonlyArray<Sha256> = nodeSha256
  ? [nobleSha256, { name: 'node:crypto', hash: nodeSha256 }]
  : [nobleSha256];

export const sha256Sync: (data: Uint8Array) => Uint8Array = nodeSha256 ?? sha256;

export function hmacSha256Sync(key: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(message, 'message');
  return hmac(sha256, key, message);
}

/** The same function as crypto/kdf.ts's WebCrypto hkdfSha256, checked against the same vectors. */
export function hkdfSha256Sync(
  inputKey: Uint8Array,
  info: Uint8Array | string,
  length = 32,
  salt: Uint8Array = new Uint8Array(0),
): Uint8Array {
  assertBytes(inputKey, 'inputKey');
  assertBytes(salt, 'salt');
  return hkdf(sha256, inputKey, salt, typeof info === 'string' ? utf8ToBytes(info) : info, length);
}
