/**
 * @module Keyed content hash for de-duplication: equal files give equal hashes for the same user, and the server
 * cannot test a guess of a file's content without the key. HMAC-SHA256 through WebCrypto, key derived from the
 * master key. WebCrypto cannot hash incrementally, so the content is hashed in 1 MiB chunks whose SHA-256
 * digests are chained (formats.ts, "Content hash"); measured here at ~1.2 GB/s against ~0.17 GB/s for
 * hash-wasm's streaming SHA-256 and ~0.08 GB/s for @noble/hashes. In Node each chunk's SHA-256 is node:crypto's
 * (the same digest, without WebCrypto's job and copy per call). A chunk that arrives whole is hashed in place.
 */
import { asBufferSource, assertBytes, concatBytes, u64be, zeroize } from './bytes';
import { CryptoInputError } from './errors';
import { CONTENT_HASH_CHUNK_BYTES, encodeContext, KEY_BYTES, LABELS } from './formats';
import { hkdfSha256 } from './kdf';
import { nodeSha256 } from './node-crypto';
import type { ContentHash, ContentHashKey, MasterKey } from './types';

export async function deriveContentHashKey(masterKey: MasterKey): Promise<ContentHashKey> {
  assertBytes(masterKey, 'masterKey', KEY_BYTES);
  return (await hkdfSha256(masterKey, LABELS.contentHash)) as ContentHashKey;
}

const sha256 = async (data: Uint8Array) =>
  nodeSha256 ? nodeSha256(data) : new Uint8Array(await crypto.subtle.digest('SHA-256', asBufferSource(data)));

export interface ContentHasher {
  /** Feed the next bytes of the file; resolves once they are absorbed (holding at most one chunk). */
  update(bytes: Uint8Array): Promise<void>;
  /** The hash of everything fed so far; the hasher cannot be used afterwards. */
  digest(): Promise<ContentHash>;
}

export function createContentHasher(key: ContentHashKey): ContentHasher {
  assertBytes(key, 'key', KEY_BYTES);
  const macKey = key.slice(); // our own copy, zeroed on digest, so the caller may zero theirs at any time
  /** Gathers a chunk that arrives in pieces; made on first use, so a file hashed in place never needs it. */
  let buffer: Uint8Array | undefined;
  let filled = 0;
  let total = 0;
  let chain: Uint8Array = new Uint8Array(32);
  let finished = false;

  const absorb = async (chunk: Uint8Array) => {
    chain = await sha256(concatBytes(chain, await sha256(chunk)));
  };

  return {
    async update(bytes) {
      if (finished) throw new CryptoInputError('content hasher already finished');
      assertBytes(bytes, 'bytes');
      total += bytes.length;
      let offset = 0;
      while (offset < bytes.length) {
        if (filled === 0 && bytes.length - offset >= CONTENT_HASH_CHUNK_BYTES) {
          await absorb(bytes.subarray(offset, offset + CONTENT_HASH_CHUNK_BYTES));
          offset += CONTENT_HASH_CHUNK_BYTES;
          continue;
        }
        buffer ??= new Uint8Array(CONTENT_HASH_CHUNK_BYTES);
        const take = Math.min(buffer.length - filled, bytes.length - offset);
        buffer.set(bytes.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === buffer.length) {
          await absorb(buffer);
          filled = 0;
        }
      }
    },
    async digest() {
      if (finished) throw new CryptoInputError('content hasher already finished');
      finished = true;
      if (buffer && filled > 0) await absorb(buffer.subarray(0, filled));
      const hmacKey = await crypto.subtle.importKey(
        'raw',
        asBufferSource(macKey),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      zeroize(macKey);
      const message = encodeContext(LABELS.contentHashMac, u64be(total), chain);
      return new Uint8Array(
        await crypto.subtle.sign('HMAC', hmacKey, asBufferSource(message)),
      ) as ContentHash;
    },
  };
}

/** Hashes a whole source (file stream, async iterable or buffers). */
export async function contentHashOf(
  key: ContentHashKey,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<ContentHash> {
  const hasher = createContentHasher(key);
  for await (const piece of source) await hasher.update(piece);
  return hasher.digest();
}
