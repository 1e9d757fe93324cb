/**
 * @module Values every device of an account derives alike from the master key (HKDF-SHA256, labels below), so
 * devices agree without talking: the library collection (id and key), the key for link record ids, and the key
 * that seals the upload queue in the local store.
 *
 * Link ids: first 16 bytes of HMAC-SHA256(linkIdKey, "halyon.link.v1" 0x00 kind 0x00 left 0x00 right), printed as
 * a UUID. Keyed, so the server cannot tell which photos share a tag from the ids alone. See: [Note: Link records]
 */
import { type BlobKey, type CollectionKey, hkdfSha256Sync, hmacSha256Sync, type MasterKey } from '../crypto';

export type LinkKind = 'photoTag' | 'albumPhoto';

export type LinkIdDeriver = (kind: LinkKind, left: string, right: string) => string;

const encoder = new TextEncoder();

const bytesToUuid = (bytes: Uint8Array): string => {
  const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/** `linkIdKey` is 32 bytes derived from the master key, the same on every device of the account. */
export const createLinkIdDeriver = (linkIdKey: Uint8Array): LinkIdDeriver => {
  if (linkIdKey.length !== 32) throw new RangeError('link id key must be 32 bytes');
  const key = linkIdKey.slice();
  return (kind, left, right) =>
    bytesToUuid(hmacSha256Sync(key, encoder.encode(`halyon.link.v1\0${kind}\0${left}\0${right}`)));
};

const derive = (masterKey: MasterKey, label: string): Uint8Array => {
  if (masterKey.length !== 32) throw new RangeError('master key must be 32 bytes');
  return hkdfSha256Sync(masterKey, label);
};

/** Sets the UUID version (8, "custom") and variant bits, so the id is a well-formed UUID. */
const bytesToCustomUuid = (bytes: Uint8Array): string => {
  const b = bytes.slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return bytesToUuid(b);
};

export interface LibraryCollection {
  readonly collectionId: string;
  readonly key: CollectionKey;
}

/**
 * The user's own library: one collection whose id and key every device derives, so two devices setting up
 * offline create the same collection with the same key (creating it again is idempotent on the server).
 */
export const deriveLibraryCollection = (masterKey: MasterKey): LibraryCollection => ({
  collectionId: bytesToCustomUuid(derive(masterKey, 'halyon.library-collection-id.v1')),
  key: derive(masterKey, 'halyon.library-collection-key.v1') as CollectionKey,
});

export const deriveLinkIdKey = (masterKey: MasterKey): Uint8Array =>
  derive(masterKey, 'halyon.link-id-key.v1');

/** Seals the upload queue's jobs in the local store (upload/upload-state.ts), so a reload can reopen them. */
export const deriveUploadStateKey = (masterKey: MasterKey): BlobKey =>
  derive(masterKey, 'halyon.upload-state-key.v1') as BlobKey;
