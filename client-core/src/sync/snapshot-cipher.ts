/**
 * @module The key and AEAD of the local snapshot: AES-256-GCM under HKDF-SHA256(masterKey, info
 * "halyon.local-snapshot-key.v1"), a key that never leaves the device and seals nothing else. The HKDF is
 * crypto/kdf.ts's; the AES-GCM is crypto/'s blob backend (node:crypto opens in Node, on the calling thread with no copy
 * of the input; WebCrypto elsewhere. See: [Note: AES-GCM backend]). The snapshot is a local format, not one of
 * crypto/'s wire formats (docs/crypto.md, "Local snapshot"). See: [Note: Local snapshot]
 */
import type { MasterKey } from '../crypto';
import { blobAesGcm } from '../crypto/aes-gcm';
import { hkdfSha256 } from '../crypto/kdf';

export const SNAPSHOT_KEY_LABEL = 'halyon.local-snapshot-key.v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface SnapshotCipher {
  /** Returns iv || ciphertext || tag, with a fresh random 96-bit iv. */
  seal(associatedData: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** undefined when the page does not authenticate under this key and associated data. */
  open(associatedData: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined>;
}

export const createSnapshotCipher = async (masterKey: MasterKey): Promise<SnapshotCipher> => {
  if (masterKey.length !== KEY_BYTES) throw new RangeError('master key must be 32 bytes');
  const keyBytes = await hkdfSha256(masterKey, SNAPSHOT_KEY_LABEL);
  const key = await blobAesGcm.importKey(keyBytes);
  keyBytes.fill(0); // the backends keep their own copy, outside JavaScript's reach
  return {
    async seal(associatedData, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await key.seal(iv, associatedData, plaintext);
      const out = new Uint8Array(IV_BYTES + sealed.length);
      out.set(iv);
      out.set(sealed, IV_BYTES);
      return out;
    },
    async open(associatedData, sealed) {
      if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
      return key.open(sealed.subarray(0, IV_BYTES), associatedData, sealed.subarray(IV_BYTES));
    },
  };
};
