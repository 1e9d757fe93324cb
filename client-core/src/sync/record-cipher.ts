/**
 * @module How the sync engine seals and opens records, without knowing keys. The composition root adapts
 * crypto/ (XChaCha20-Poly1305, associated data binding format version, collection id, record id, record version and
 * key epoch) to this interface. See: [Note: Sealing for the next version]
 *
 * [Note: Sealing for the next version]
 * A write based on version v is sealed for version v + 1, the version the server gives it when applied. A record
 * served at any other version, under another id or in another collection fails to open. When the write conflicts,
 * the engine merges it with the server's record and seals it again for that record's version + 1.
 */
import type { Result } from '../result';
import type { Hlc } from './hlc';

export interface RecordContext {
  readonly collectionId: string;
  readonly recordId: string;
  readonly version: number;
}

export type OpenError = { readonly type: 'DecryptFailed' } | { readonly type: 'KeyUnavailable' };

export interface RecordCipher {
  /** Seals with the collection's current key epoch. Throws only on misuse (no key for the collection is a bug). */
  seal(context: RecordContext, plaintext: Uint8Array): Uint8Array;
  open(context: RecordContext, ciphertext: Uint8Array): Result<Uint8Array, OpenError>;
}

/** What a record's plaintext is to the engine: a mergeable document, validated when decoded. */
export interface RecordCodec {
  /**
   * Names the document shapes `decode` produces (kinds and their current schema versions). A local snapshot
   * written under another is ignored, since its documents were never upgraded by this codec.
   */
  readonly schema?: string;
  /** Compact forms of documents' fields for the local snapshot; without it they are written as objects. */
  readonly packing?: FieldPacking;
  /**
   * The blobs a document references (the server keeps them while the record lives), or undefined for a kind that
   * names none. A merge can take a referencing field from either side, so the merged document's list is sent.
   */
  blobIdsOf?(doc: import('./merge').RecordDoc): readonly string[] | undefined;
  encode(doc: import('./merge').RecordDoc): Uint8Array;
  decode(
    plaintext: Uint8Array,
  ): Result<import('./merge').RecordDoc, { readonly type: 'InvalidRecord'; readonly reason: string }>;
}

/**
 * Fields as a positional array, for the local snapshot: a warm start then builds each record's fields from a few
 * values (one object of a fixed shape per record) instead of parsing every field name again. See:
 * [Note: Local snapshot]
 */
export interface FieldPacking {
  /** Names the layouts: a snapshot packed under other layouts is ignored. */
  readonly name: string;
  /** `[layout, ...values]`, or undefined where the fields have no layout (they are then kept as an object). */
  pack(kind: string, fields: import('./merge').RecordDoc['fields']): unknown[] | undefined;
  /** Fields equal to those packed, with their keys in the same order; undefined for a layout it does not know. */
  unpack(kind: string, packed: readonly unknown[]): import('./merge').RecordDoc['fields'] | undefined;
  /** Stamps with `stamp` for every field `unpack(kind, packed)` gives, in the same order (packed was unpacked). */
  stampAll(packed: readonly unknown[], stamp: Hlc): Readonly<Record<string, Hlc>>;
}
