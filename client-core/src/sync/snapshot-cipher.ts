/**
 * @module The key and AEAD of the local snapshot: AES-256-GCM (WebCrypto) under
 * HKDF-SHA256(masterKey, info "halyon.local-snapshot-key.v1"), a key that never leaves the device and seals nothing
 * else. It lives here, beside its only user, and uses WebCrypto directly because the snapshot is a local format,
 * not part of crypto/'s wire formats (docs/crypto.md, "Local snapshot"). See: [Note: Local snapshot]
 */
import type { MasterKey } from '../crypto';

export const SNAPSHOT_KEY_LABEL = 'halyon.local-snapshot-key.v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export interface SnapshotCipher {
  /** Returns iv || ciphertext || tag, with a fresh random 96-bit iv. */
  seal(associatedData: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** undefined when the page does not authenticate under this key and associated data. */
  open(associatedData: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined>;
}

/** WebCrypto's BufferSource typing wants an ArrayBuffer-backed view; ours always are. */
const source = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

export const createSnapshotCipher = async (masterKey: MasterKey): Promise<SnapshotCipher> => {
  if (masterKey.length !== KEY_BYTES) throw new RangeError('master key must be 32 bytes');
  const base = await crypto.subtle.importKey('raw', source(masterKey), 'HKDF', false, ['deriveKey']);
  // The key is derived as a non-extractable CryptoKey: its bytes never reach JavaScript.
  const key = await crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: new Uint8Array(0),
      info: new TextEncoder().encode(SNAPSHOT_KEY_LABEL),
    },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  return {
    async seal(associatedData, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const params = { name: 'AES-GCM', iv, additionalData: source(associatedData) };
      const sealed = await crypto.subtle.encrypt(params, key, source(plaintext));
      const out = new Uint8Array(IV_BYTES + sealed.byteLength);
      out.set(iv);
      out.set(new Uint8Array(sealed), IV_BYTES);
      return out;
    },
    async open(associatedData, sealed) {
      if (sealed.length < IV_BYTES + 16) return undefined;
      const params = {
        name: 'AES-GCM',
        iv: source(sealed.slice(0, IV_BYTES)),
        additionalData: source(associatedData),
      };
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params, key, source(sealed.subarray(IV_BYTES))));
      } catch {
        return undefined;
      }
    },
  };
};
