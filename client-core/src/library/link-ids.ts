/**
 * @module Deterministic, keyed ids for link records. See: [Note: Link records]
 * id = first 16 bytes of HMAC-SHA256(linkIdKey, "halyon.link.v1" 0x00 kind 0x00 left 0x00 right), printed as a
 * UUID. Keyed, so the server cannot tell which photos share a tag from the ids alone (it cannot recompute them).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

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
    bytesToUuid(hmac(sha256, key, encoder.encode(`halyon.link.v1\0${kind}\0${left}\0${right}`)));
};
