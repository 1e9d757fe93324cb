/**
 * @module Halyon's byte layouts and labels, in one place so they can be audited against docs/crypto.md.
 * Every layout starts with (or binds) FORMAT_VERSION so a later format can be recognised and old data still read.
 * Changing anything here changes stored data: the format vectors in vectors/format-v1.json must keep passing.
 */
import { assertNonEmptyString, assertUint32, utf8ToBytes } from './bytes';
import { CryptoInputError } from './errors';

export const FORMAT_VERSION = 1;

export const KEY_BYTES = 32;
export const SALT_BYTES = 16;

// -------------------------------------------------------------------------------------------------------------
// Labels. Every key derivation and every associated data starts with a distinct label (domain separation).

export const LABELS = {
  /** HKDF info: password root -> key-encryption key. */
  kek: 'halyon/v1/kek',
  /** HKDF info: password root -> auth key sent to the server. */
  authKey: 'halyon/v1/auth-key',
  /** HKDF info: recovery key -> the key wrapping the master key. */
  recoveryWrap: 'halyon/v1/recovery-wrap',
  /** HKDF info: recovery key -> the recovery auth key sent to the server to prove the recovery key. */
  recoveryAuth: 'halyon/v1/recovery-auth',
  /** HKDF info: master key -> the key wrapping the identity private keys. */
  identityWrap: 'halyon/v1/identity-wrap',
  /** HKDF info: master key -> the key wrapping the owner's collection keys. */
  collectionWrap: 'halyon/v1/collection-wrap',
  /** HKDF info: master key -> the content-hash (de-duplication) key. */
  contentHash: 'halyon/v1/content-hash',
  /** HKDF info: X25519 shared secret -> sealing key for one collection key. */
  sealKey: 'halyon/v1/seal-key',
  /** Associated data of the master key wrapped by the KEK. */
  vaultMasterKeyAd: 'halyon/v1/vault/master-key',
  /** Associated data of the master key wrapped by the recovery key. */
  vaultRecoveryAd: 'halyon/v1/vault/recovery',
  /** Associated data of the wrapped identity private keys. */
  vaultIdentityAd: 'halyon/v1/vault/identity-keys',
  /** Associated data of a collection key wrapped for its owner. */
  collectionOwnerAd: 'halyon/v1/collection-key/owner',
  /** Associated data of a collection key sealed to a member. */
  collectionSealAd: 'halyon/v1/collection-key/sealed',
  /** Message signed by the sender of a sealed collection key. */
  collectionSealSignature: 'halyon/v1/collection-key/signature',
  /** Associated data of a record. */
  recordAd: 'halyon/v1/record',
  /** Message signed in a public identity bundle. */
  identityBundle: 'halyon/v1/identity-bundle',
  /** Input of the per-person half of a safety number. */
  safetyNumber: 'halyon/v1/safety-number',
  /** Outer HMAC input of the content hash. */
  contentHashMac: 'halyon/v1/content-hash/mac',
} as const;

/** Exactly 16 bytes each: the first input block of the SHA-256 key commitments. */
export const COMMIT_LABELS = {
  aead: 'halyon/commit/ae',
  blob: 'halyon/commit/bl',
} as const;

// -------------------------------------------------------------------------------------------------------------
// Context encoding: label || 0x00 || for each field (u32be length || bytes). Numbers are u32be fields, strings
// UTF-8. Length prefixes make the encoding injective: no two field lists encode to the same bytes.

export type ContextField = string | number | Uint8Array;

// Record decryption encodes a context per record, so this avoids per-field allocations: measured ~9 us per call
// with a TextEncoder + concat per field, ~1 us like this.
const labelBytesByLabel = new Map<string, Uint8Array>();

function fieldBytes(field: ContextField): Uint8Array | undefined {
  if (typeof field === 'number') return undefined; // written in place as u32be
  if (typeof field !== 'string') return field;
  for (let i = 0; i < field.length; i++) if (field.charCodeAt(i) > 0x7f) return utf8ToBytes(field);
  return undefined; // ASCII: written in place
}

export function encodeContext(label: string, ...fields: ReadonlyArray<ContextField>): Uint8Array {
  let labelBytes = labelBytesByLabel.get(label);
  if (!labelBytes) {
    labelBytes = utf8ToBytes(label);
    labelBytesByLabel.set(label, labelBytes);
  }
  // Plain loops, and a per-field array only when some field is not ASCII or a number: this runs per record.
  let bytesOfFields: (Uint8Array | undefined)[] | undefined;
  let length = labelBytes.length + 1;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const bytes = fieldBytes(field);
    if (bytes) {
      bytesOfFields ??= [];
      bytesOfFields[i] = bytes;
    }
    length += 4 + (bytes?.length ?? (typeof field === 'number' ? 4 : (field as string).length));
  }
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  out.set(labelBytes, 0);
  let offset = labelBytes.length + 1; // then the 0x00 separator, already zero
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const bytes = bytesOfFields?.[i];
    if (bytes) {
      view.setUint32(offset, bytes.length);
      out.set(bytes, offset + 4);
      offset += 4 + bytes.length;
    } else if (typeof field === 'number') {
      assertUint32(field, 'context number');
      view.setUint32(offset, 4);
      view.setUint32(offset + 4, field);
      offset += 8;
    } else {
      const text = field as string;
      view.setUint32(offset, text.length);
      for (let j = 0; j < text.length; j++) out[offset + 4 + j] = text.charCodeAt(j);
      offset += 4 + text.length;
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------------------------
// Committed AEAD box (XChaCha20-Poly1305 + key commitment), used for every small secret and every record:
//
//   commitment (32) || nonce (24) || ciphertext (n) || Poly1305 tag (16)
//   commitment = SHA-256(COMMIT_LABELS.aead (16) || key (32) || nonce (24))
//
// See: [Note: Record key commitment] in aead.ts for why this construction.

export const AEAD_COMMITMENT_BYTES = 32;
export const XCHACHA_NONCE_BYTES = 24;
export const POLY1305_TAG_BYTES = 16;
export const BOX_OVERHEAD = AEAD_COMMITMENT_BYTES + XCHACHA_NONCE_BYTES + POLY1305_TAG_BYTES;

// -------------------------------------------------------------------------------------------------------------
// Records:  FORMAT_VERSION (1) || key epoch u32be (4) || box
// Box plaintext: u32be plaintext length || plaintext || zeros, padded to recordPaddedLength().
// Associated data: encodeContext(LABELS.recordAd, FORMAT_VERSION, collectionId, recordId, recordVersion, epoch).

export const RECORD_HEADER_BYTES = 5;
export const RECORD_LENGTH_PREFIX_BYTES = 4;
/** Small records (a tag, a link) all pad to this, so their kinds cannot be told apart by size. */
export const RECORD_MIN_PADDED_BYTES = 128;
export const RECORD_MAX_PLAINTEXT_BYTES = 4 * 1024 * 1024;

export interface RecordContext {
  readonly collectionId: string;
  readonly recordId: string;
  /** The version the server will give this write: base version + 1. */
  readonly recordVersion: number;
  /** The collection key epoch that encrypts it. */
  readonly epoch: number;
}

export function assertRecordContext(context: RecordContext): void {
  if (typeof context !== 'object' || context === null) throw new CryptoInputError('record context required');
  assertNonEmptyString(context.collectionId, 'collectionId');
  assertNonEmptyString(context.recordId, 'recordId');
  assertUint32(context.recordVersion, 'recordVersion');
  assertUint32(context.epoch, 'epoch');
}

export const recordAd = (context: RecordContext): Uint8Array =>
  encodeContext(
    LABELS.recordAd,
    FORMAT_VERSION,
    context.collectionId,
    context.recordId,
    context.recordVersion,
    context.epoch,
  );

export const recordPaddedLength = (plaintextLength: number): number =>
  Math.max(RECORD_MIN_PADDED_BYTES, padme(RECORD_LENGTH_PREFIX_BYTES + plaintextLength));

// -------------------------------------------------------------------------------------------------------------
// Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with PURBs", PETS 2019,
// section 4): rounds L up so that only O(log log L) bits of it remain, costing at most ~12% (less for large L).

export function padme(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new CryptoInputError('length must be a safe integer >= 0');
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const step = 2 ** lastBits;
  return Math.ceil(length / step) * step;
}

// -------------------------------------------------------------------------------------------------------------
// Vault. Each secret is a committed box whose associated data binds its purpose, the format and the user:
//   wrappedMasterKey          = box(KEK,                 ctx(vaultMasterKeyAd, FORMAT_VERSION, userId), masterKey)
//   recoveryWrappedMasterKey  = box(HKDF(recoveryKey),   ctx(vaultRecoveryAd,  FORMAT_VERSION, userId), masterKey)
//   wrappedIdentityKeys       = box(HKDF(masterKey),     ctx(vaultIdentityAd,  FORMAT_VERSION, userId),
//                                   x25519 private (32) || ed25519 private seed (32))

export const IDENTITY_KEYS_PLAINTEXT_BYTES = 64;

// -------------------------------------------------------------------------------------------------------------
// Identity bundle (JSON on the wire, see protocol IdentityBundle). The signature covers
//   encodeContext(LABELS.identityBundle, version, encryptionPublicKey (32), signingPublicKey (32)).

export const IDENTITY_BUNDLE_VERSION = 1;
export const ED25519_SIGNATURE_BYTES = 64;

// -------------------------------------------------------------------------------------------------------------
// Sealed collection key:
//   FORMAT_VERSION (1) || epoch u32be (4) || ephemeral X25519 public key (32) || box (104) || Ed25519 signature (64)
// box key = HKDF-SHA256(ikm = X25519(ephemeral, recipient), salt = ephemeral pub || recipient pub, info = sealKey)
// box AD  = ctx(collectionSealAd, FORMAT_VERSION, sender signing pub, recipient encryption pub, collectionId, epoch)
// signature over ctx(collectionSealSignature, box AD, bytes 0..140 of this layout)

export const SEALED_KEY_BYTES = 1 + 4 + 32 + (BOX_OVERHEAD + KEY_BYTES) + ED25519_SIGNATURE_BYTES;
export const SEALED_KEY_SIGNED_BYTES = SEALED_KEY_BYTES - ED25519_SIGNATURE_BYTES;

// -------------------------------------------------------------------------------------------------------------
// Blobs (STREAM construction, Hoang-Reyhanitabar-Rogaway-Vizar 2015, over AES-256-GCM):
//
//   header (48)       = magic "HLYB" (4) || FORMAT_VERSION (1) || chunk size u32be (4) || nonce prefix (7)
//                       || commitment (32)
//   commitment        = SHA-256(COMMIT_LABELS.blob (16) || key (32) || header bytes 0..15)
//   length block (24) = AES-256-GCM(plaintext length u64be) || tag, nonce = nonce prefix || 0xffffffff || 0x02
//   then ceil(P / chunk size) chunks, P = padme(plaintext length), each AES-256-GCM(payload slice) || tag (16):
//   chunk nonce (12)  = nonce prefix (7) || chunk index u32be (4) || final flag (0x01 on the last chunk, else 0x00)
//   AAD (all of them) = the 48-byte header
//   payload           = plaintext || zeros (P bytes). The length block lets the reader strip the padding and know
//                       exactly how many chunks to expect, and keeps chunk boundaries aligned with the plaintext.

export const BLOB_MAGIC = new Uint8Array([0x48, 0x4c, 0x59, 0x42]); // "HLYB"
export const BLOB_HEADER_BYTES = 48;
export const BLOB_COMMITTED_HEADER_BYTES = 16;
export const BLOB_NONCE_PREFIX_BYTES = 7;
export const GCM_TAG_BYTES = 16;
export const BLOB_LENGTH_BLOCK_BYTES = 8 + GCM_TAG_BYTES;
/** Header and length block: everything before the first chunk. */
export const BLOB_PREAMBLE_BYTES = BLOB_HEADER_BYTES + BLOB_LENGTH_BLOCK_BYTES;
/** 1 MiB: the measured knee of WebCrypto AES-GCM throughput (docs/crypto.md, "Blob chunk size"). */
export const BLOB_DEFAULT_CHUNK_BYTES = 1024 * 1024;
export const BLOB_MIN_CHUNK_BYTES = 4096;
export const BLOB_MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** Chunk index 0xffffffff is the length block's. */
export const BLOB_MAX_CHUNKS = 0xffff_ffff;

export interface BlobHeaderFields {
  readonly chunkBytes: number;
  readonly noncePrefix: Uint8Array;
}

/** The first 16 header bytes, which the commitment covers. */
export function encodeBlobHeaderPrefix(fields: BlobHeaderFields): Uint8Array {
  const out = new Uint8Array(BLOB_COMMITTED_HEADER_BYTES);
  out.set(BLOB_MAGIC, 0);
  out[4] = FORMAT_VERSION;
  new DataView(out.buffer).setUint32(5, fields.chunkBytes);
  out.set(fields.noncePrefix, 9);
  return out;
}

/** Parses the first 16 header bytes; undefined if this is not a blob we can read. */
export function decodeBlobHeaderPrefix(header: Uint8Array): BlobHeaderFields | undefined {
  if (header.length < BLOB_COMMITTED_HEADER_BYTES) return undefined;
  for (let i = 0; i < BLOB_MAGIC.length; i++) if (header[i] !== BLOB_MAGIC[i]) return undefined;
  if (header[4] !== FORMAT_VERSION) return undefined;
  const chunkBytes = new DataView(header.buffer, header.byteOffset, header.length).getUint32(5);
  if (chunkBytes < BLOB_MIN_CHUNK_BYTES || chunkBytes > BLOB_MAX_CHUNK_BYTES) return undefined;
  return { chunkBytes, noncePrefix: header.slice(9, 16) };
}

export function blobChunkNonce(noncePrefix: Uint8Array, index: number, isFinal: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(noncePrefix, 0);
  new DataView(nonce.buffer).setUint32(7, index);
  nonce[11] = isFinal ? 1 : 0;
  return nonce;
}

export function blobLengthNonce(noncePrefix: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(noncePrefix, 0);
  new DataView(nonce.buffer).setUint32(7, 0xffff_ffff);
  nonce[11] = 2;
  return nonce;
}

/** Plaintext plus Padme padding: the bytes the chunks hold. */
export const blobPayloadLength = (plaintextLength: number): number => padme(plaintextLength);

/** The stored size of a blob, known before encrypting it (uploads declare it up front). */
export function blobCiphertextLength(plaintextLength: number, chunkBytes = BLOB_DEFAULT_CHUNK_BYTES): number {
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) {
    throw new CryptoInputError('plaintextLength must be a safe integer >= 0');
  }
  const payload = blobPayloadLength(plaintextLength);
  return BLOB_PREAMBLE_BYTES + payload + Math.ceil(payload / chunkBytes) * GCM_TAG_BYTES;
}

// -------------------------------------------------------------------------------------------------------------
// Content hash: chunks of CONTENT_HASH_CHUNK_BYTES are hashed with SHA-256 (WebCrypto, native speed), chained
//   chain_0 = 32 zero bytes, chain_i+1 = SHA-256(chain_i || SHA-256(chunk_i))
// and the result is HMAC-SHA256(contentHashKey, ctx(contentHashMac, total length u64be (8), chain_n)).

export const CONTENT_HASH_CHUNK_BYTES = 1024 * 1024;
