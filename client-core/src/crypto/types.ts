/**
 * @module Branded byte types. A `MasterKey` cannot be passed where a `CollectionKey` is expected, although both
 * are 32 random bytes at run time. Brands are applied only by the functions that create or check the bytes.
 */

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 32 random bytes; wraps everything the user owns. Never leaves the client. */
export type MasterKey = Brand<Uint8Array, 'MasterKey'>;
/** Derived from the password; wraps the master key. Never leaves the client. */
export type KeyEncryptionKey = Brand<Uint8Array, 'KeyEncryptionKey'>;
/** Derived from the password; sent to the server as proof of the password, which it never sees. */
export type AuthKey = Brand<Uint8Array, 'AuthKey'>;
/** 32 random bytes shown to the user as 24 words; a second wrapping of the master key. */
export type RecoveryKey = Brand<Uint8Array, 'RecoveryKey'>;
/** Encrypts the records of one collection at one epoch. */
export type CollectionKey = Brand<Uint8Array, 'CollectionKey'>;
/** Encrypts one file (original, thumbnail or preview). */
export type BlobKey = Brand<Uint8Array, 'BlobKey'>;
/** Keys the de-duplication content hash; derived from the master key. */
export type ContentHashKey = Brand<Uint8Array, 'ContentHashKey'>;

export type X25519PrivateKey = Brand<Uint8Array, 'X25519PrivateKey'>;
export type X25519PublicKey = Brand<Uint8Array, 'X25519PublicKey'>;
export type Ed25519PrivateKey = Brand<Uint8Array, 'Ed25519PrivateKey'>;
export type Ed25519PublicKey = Brand<Uint8Array, 'Ed25519PublicKey'>;

/** The output of the password KDF, before HKDF splits it. */
export type RootKey = Brand<Uint8Array, 'RootKey'>;
export type Salt = Brand<Uint8Array, 'Salt'>;

/** A record as stored by the server: see formats.ts, RECORD layout. */
export type RecordCiphertext = Brand<Uint8Array, 'RecordCiphertext'>;
/** A collection key sealed to one member and signed by the sender: see formats.ts, SEALED_KEY layout. */
export type SealedCollectionKey = Brand<Uint8Array, 'SealedCollectionKey'>;
/** A collection key wrapped by its owner's master key. */
export type WrappedCollectionKey = Brand<Uint8Array, 'WrappedCollectionKey'>;
/** The keyed de-duplication hash of a file's content. */
export type ContentHash = Brand<Uint8Array, 'ContentHash'>;
