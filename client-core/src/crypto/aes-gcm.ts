/**
 * @module AES-256-GCM for blobs, with two backends: WebCrypto (browsers, and any runtime without node:crypto)
 * and node:crypto (Node, from node-crypto.ts).
 *
 * [Note: AES-GCM backend]
 * Node 20's WebCrypto AES-GCM decrypt is slow and erratic on 1 MiB chunks: it copies the input to split off the
 * tag (lib/internal/crypto/aes.js), the job copies it again, and each job may land on another of libuv's four
 * threadpool threads (only two cores here), so the same 20 MiB decrypt measured 720-2,180 MB/s run to run.
 * UV_THREADPOOL_SIZE=1 alone lifted it to ~1,900-2,100 MB/s. node:crypto's decipher runs OpenSSL on the calling
 * thread with no copy of the input: ~2,000-3,300 MB/s for the same work. Sealing too: a WebCrypto encrypt of a
 * 512 KiB chunk cost ~1.1-1.5 ms of CPU (the job, its copies, the promise hop), node:crypto's ~0.35 ms, though
 * its seal copies the cipher's output once to append the tag. Both backends pass the same published
 * vectors (vectors/check-vectors.ts), and ciphertexts are byte-identical, so the wire format does not depend on
 * the backend.
 */
import { asBufferSource } from './bytes';
import { nodeAesGcm } from './node-crypto';

/** One imported key. `open` returns undefined when the tag does not verify; no plaintext is released then. */
export interface AesGcmKey {
  seal(iv: Uint8Array, associatedData: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  open(iv: Uint8Array, associatedData: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined>;
}

export interface AesGcmBackend {
  readonly name: 'webcrypto' | 'node:crypto';
  importKey(key: Uint8Array): Promise<AesGcmKey>;
}

export const webCryptoAesGcm: AesGcmBackend = {
  name: 'webcrypto',
  async importKey(key) {
    const aesKey = await crypto.subtle.importKey('raw', asBufferSource(key), 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ]);
    const params = (iv: Uint8Array, associatedData: Uint8Array) => ({
      name: 'AES-GCM',
      iv: asBufferSource(iv),
      additionalData: asBufferSource(associatedData),
    });
    return {
      seal: async (iv, associatedData, plaintext) =>
        new Uint8Array(
          await crypto.subtle.encrypt(params(iv, associatedData), aesKey, asBufferSource(plaintext)),
        ),
      async open(iv, associatedData, sealed) {
        try {
          return new Uint8Array(
            await crypto.subtle.decrypt(params(iv, associatedData), aesKey, asBufferSource(sealed)),
          );
        } catch {
          return undefined;
        }
      },
    };
  },
};

/** The backend blobs use: node:crypto where present (See: [Note: AES-GCM backend]), else WebCrypto. */
export const blobAesGcm: AesGcmBackend = nodeAesGcm ?? webCryptoAesGcm;
