/**
 * @module Native primitives from node:crypto, where the runtime has it (Node: the CLI, tests, benches). The only
 * file that reaches node:crypto, and it does so through `process.getBuiltinModule` rather than an import, so
 * browser bundles never see it. Each primitive here has a portable twin (WebCrypto or noble) that makes
 * byte-identical output; both pass the same published vectors (vectors/check-vectors.ts).
 */
import type { ChaCha20Poly1305 } from './aead';
import type { AesGcmBackend } from './aes-gcm';
import { GCM_TAG_BYTES, KEY_BYTES, POLY1305_TAG_BYTES } from './formats';

type NodeCrypto = typeof import('node:crypto');

function nodeCryptoModule(): NodeCrypto | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
}

const nodeCrypto = nodeCryptoModule();

/**
 * node:crypto returns Buffers that own their whole ArrayBuffer; this hands them on as plain Uint8Arrays, and
 * copies (wiping the original) if one ever comes as a view into a shared pool, so no caller can reach other bytes.
 */
function ownBytes(buffer: Buffer): Uint8Array {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length) {
    return new Uint8Array(buffer.buffer, 0, buffer.length);
  }
  const copy = Uint8Array.from(buffer);
  buffer.fill(0);
  return copy;
}

/** What AES-GCM's and ChaCha20-Poly1305's deciphers share. */
interface AeadDecipher {
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Buffer;
  final(): unknown;
}

/** Opens `sealed` (ciphertext || tag); the plaintext only leaves once the tag verifies, and is wiped if it fails. */
function openWith(decipher: AeadDecipher, sealed: Uint8Array, tagBytes: number): Uint8Array | undefined {
  const tagOffset = sealed.length - tagBytes;
  decipher.setAuthTag(sealed.subarray(tagOffset));
  const plaintext = decipher.update(sealed.subarray(0, tagOffset));
  try {
    decipher.final(); // verifies the tag
  } catch {
    plaintext.fill(0);
    return undefined;
  }
  return ownBytes(plaintext);
}

function nodeAesGcmBackend(crypto: NodeCrypto): AesGcmBackend {
  return {
    name: 'node:crypto',
    async importKey(key) {
      if (key.length !== KEY_BYTES) throw new RangeError('AES-256-GCM key must be 32 bytes');
      // A KeyObject keeps the key in native memory, as a non-extractable CryptoKey would.
      const keyObject = crypto.createSecretKey(key);
      return {
        async seal(iv, associatedData, plaintext) {
          const cipher = crypto.createCipheriv('aes-256-gcm', keyObject, iv);
          cipher.setAAD(associatedData);
          const out = new Uint8Array(plaintext.length + GCM_TAG_BYTES);
          out.set(cipher.update(plaintext), 0);
          cipher.final();
          out.set(cipher.getAuthTag(), plaintext.length);
          return out;
        },
        async open(iv, associatedData, sealed) {
          if (sealed.length < GCM_TAG_BYTES) return undefined;
          const decipher = crypto.createDecipheriv('aes-256-gcm', keyObject, iv);
          decipher.setAAD(associatedData);
          return openWith(decipher, sealed, GCM_TAG_BYTES);
        },
      };
    },
  };
}

function nodeChaCha20Poly1305Backend(crypto: NodeCrypto): ChaCha20Poly1305 {
  const options = { authTagLength: POLY1305_TAG_BYTES } as const;
  return {
    name: 'node:crypto',
    seal(key, nonce, associatedData, plaintext, out) {
      const cipher = crypto.createCipheriv('chacha20-poly1305', key, nonce, options);
      cipher.setAAD(associatedData, { plaintextLength: plaintext.length });
      out.set(cipher.update(plaintext), 0);
      cipher.final();
      out.set(cipher.getAuthTag(), plaintext.length);
    },
    open(key, nonce, associatedData, sealed) {
      if (sealed.length < POLY1305_TAG_BYTES) return undefined;
      const decipher = crypto.createDecipheriv('chacha20-poly1305', key, nonce, options);
      decipher.setAAD(associatedData, { plaintextLength: sealed.length - POLY1305_TAG_BYTES });
      return openWith(decipher, sealed, POLY1305_TAG_BYTES);
    },
  };
}

function nodeSha256Function(crypto: NodeCrypto): (data: Uint8Array) => Uint8Array {
  // crypto.hash (Node 20.12+) skips the Hash object: ~12,000 instructions for a 72-byte input (a key commitment)
  // against ~34,000 for noble's SHA-256, measured under callgrind.
  if (typeof crypto.hash === 'function') return (data) => ownBytes(crypto.hash('sha256', data, 'buffer'));
  return (data) => ownBytes(crypto.createHash('sha256').update(data).digest());
}

/** node:crypto's AES-256-GCM, or undefined outside Node. See: [Note: AES-GCM backend] in aes-gcm.ts */
export const nodeAesGcm: AesGcmBackend | undefined = nodeCrypto ? nodeAesGcmBackend(nodeCrypto) : undefined;

/** node:crypto's ChaCha20-Poly1305 (RFC 8439), or undefined outside Node. See: [Note: AEAD backend] in aead.ts */
export const nodeChaCha20Poly1305: ChaCha20Poly1305 | undefined = nodeCrypto
  ? nodeChaCha20Poly1305Backend(nodeCrypto)
  : undefined;

/** node:crypto's SHA-256, or undefined outside Node. */
export const nodeSha256: ((data: Uint8Array) => Uint8Array) | undefined = nodeCrypto
  ? nodeSha256Function(nodeCrypto)
  : undefined;
