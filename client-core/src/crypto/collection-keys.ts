/**
 * @module Collection keys: one random key per collection and epoch. The owner keeps it wrapped by a key derived
 * from their master key; each member receives it sealed to their X25519 key and signed by the sender's Ed25519
 * key. Removing a member rotates to a new epoch, sealed only to those who remain. Layouts in formats.ts.
 */
import { err, ok, type Result } from '../result';
import { openBox, sealBox } from './aead';
import {
  assertBytes,
  assertNonEmptyString,
  assertUint32,
  concatBytes,
  randomBytes,
  u32be,
  zeroize,
} from './bytes';
import { curveBackend } from './curves';
import { type DecryptFailed, decryptFailed, type SignatureInvalid, signatureInvalid } from './errors';
import {
  BOX_OVERHEAD,
  encodeContext,
  FORMAT_VERSION,
  KEY_BYTES,
  LABELS,
  SEALED_KEY_BYTES,
  SEALED_KEY_SIGNED_BYTES,
} from './formats';
import type { IdentityKeys, PublicIdentity } from './identity';
import { hkdfSha256 } from './kdf';
import type { CollectionKey, MasterKey, SealedCollectionKey, WrappedCollectionKey } from './types';

export interface CollectionKeyContext {
  readonly collectionId: string;
  /** Starts at 1 and increases by one on each rotation. */
  readonly epoch: number;
}

function assertContext(context: CollectionKeyContext): void {
  assertNonEmptyString(context?.collectionId, 'collectionId');
  assertUint32(context.epoch, 'epoch');
}

export const generateCollectionKey = (): CollectionKey => randomBytes(KEY_BYTES) as CollectionKey;

/** A fresh key for the next epoch; the caller re-seals it to the remaining members. */
export function rotateCollectionKey(
  current: CollectionKeyContext,
): CollectionKeyContext & { key: CollectionKey } {
  assertContext(current);
  return { collectionId: current.collectionId, epoch: current.epoch + 1, key: generateCollectionKey() };
}

const ownerAd = (context: CollectionKeyContext) =>
  encodeContext(LABELS.collectionOwnerAd, FORMAT_VERSION, context.collectionId, context.epoch);

export async function wrapCollectionKeyForOwner(
  masterKey: MasterKey,
  context: CollectionKeyContext,
  key: CollectionKey,
): Promise<WrappedCollectionKey> {
  assertBytes(masterKey, 'masterKey', KEY_BYTES);
  assertContext(context);
  assertBytes(key, 'key', KEY_BYTES);
  const wrapKey = await hkdfSha256(masterKey, LABELS.collectionWrap);
  try {
    return sealBox(wrapKey, ownerAd(context), key) as WrappedCollectionKey;
  } finally {
    zeroize(wrapKey);
  }
}

export async function unwrapCollectionKeyForOwner(
  masterKey: MasterKey,
  context: CollectionKeyContext,
  wrapped: Uint8Array,
): Promise<Result<CollectionKey, DecryptFailed>> {
  assertBytes(masterKey, 'masterKey', KEY_BYTES);
  assertContext(context);
  assertBytes(wrapped, 'wrapped');
  const wrapKey = await hkdfSha256(masterKey, LABELS.collectionWrap);
  const key = openBox(wrapKey, ownerAd(context), wrapped);
  zeroize(wrapKey);
  return key?.length === KEY_BYTES ? ok(key as CollectionKey) : err(decryptFailed);
}

const sealAd = (sender: PublicIdentity, recipient: PublicIdentity, context: CollectionKeyContext) =>
  encodeContext(
    LABELS.collectionSealAd,
    FORMAT_VERSION,
    sender.signingPublicKey,
    recipient.encryptionPublicKey,
    context.collectionId,
    context.epoch,
  );

const signedMessage = (ad: Uint8Array, sealedPrefix: Uint8Array) =>
  encodeContext(LABELS.collectionSealSignature, ad, sealedPrefix);

function sealingKey(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array) {
  return hkdfSha256(shared, LABELS.sealKey, KEY_BYTES, concatBytes(ephemeralPublic, recipientPublic));
}

function assertPublicIdentity(identity: PublicIdentity, name: string): void {
  assertBytes(identity?.encryptionPublicKey, `${name}.encryptionPublicKey`, KEY_BYTES);
  assertBytes(identity.signingPublicKey, `${name}.signingPublicKey`, KEY_BYTES);
}

/**
 * Seals `key` to `recipient` (ephemeral X25519 + HKDF + committed box) and signs it with the sender's Ed25519
 * key, binding sender, recipient, collection id and epoch.
 */
export async function sealCollectionKey(args: {
  readonly key: CollectionKey;
  readonly context: CollectionKeyContext;
  readonly sender: IdentityKeys;
  readonly recipient: PublicIdentity;
}): Promise<SealedCollectionKey> {
  const { key, context, sender, recipient } = args;
  assertBytes(key, 'key', KEY_BYTES);
  assertContext(context);
  assertPublicIdentity(sender, 'sender');
  assertBytes(sender.signingPrivateKey, 'sender.signingPrivateKey', KEY_BYTES);
  assertPublicIdentity(recipient, 'recipient');
  const curves = await curveBackend();
  const agreement = await curves.x25519EphemeralAgreement(recipient.encryptionPublicKey);
  if (!agreement) throw new Error('recipient encryption key is a low-order point'); // verified bundles never are
  const { ephemeralPublicKey: ephemeralPublic, shared } = agreement;
  const boxKey = await sealingKey(shared, ephemeralPublic, recipient.encryptionPublicKey);
  zeroize(shared);
  const ad = sealAd(sender, recipient, context);
  const box = sealBox(boxKey, ad, key);
  zeroize(boxKey);
  const signedPrefix = concatBytes(
    new Uint8Array([FORMAT_VERSION]),
    u32be(context.epoch),
    ephemeralPublic,
    box,
  );
  const signature = await curves.ed25519Sign(sender.signingPrivateKey, signedMessage(ad, signedPrefix));
  return concatBytes(signedPrefix, signature) as SealedCollectionKey;
}

/** Verifies the sender's signature, then opens. Any other mismatch (epoch, collection, recipient) is DecryptFailed. */
export async function openSealedCollectionKey(args: {
  readonly sealed: Uint8Array;
  readonly context: CollectionKeyContext;
  readonly recipient: IdentityKeys;
  readonly sender: PublicIdentity;
}): Promise<Result<CollectionKey, DecryptFailed | SignatureInvalid>> {
  const { sealed, context, recipient, sender } = args;
  assertBytes(sealed, 'sealed');
  assertContext(context);
  assertPublicIdentity(recipient, 'recipient');
  assertBytes(recipient.encryptionPrivateKey, 'recipient.encryptionPrivateKey', KEY_BYTES);
  assertPublicIdentity(sender, 'sender');
  if (sealed.length !== SEALED_KEY_BYTES || sealed[0] !== FORMAT_VERSION) return err(decryptFailed);
  const epoch = new DataView(sealed.buffer, sealed.byteOffset, sealed.length).getUint32(1);
  if (epoch !== context.epoch) return err(decryptFailed);

  const ad = sealAd(sender, recipient, context);
  const signedPrefix = sealed.subarray(0, SEALED_KEY_SIGNED_BYTES);
  const curves = await curveBackend();
  const valid = await curves.ed25519Verify(
    sender.signingPublicKey,
    signedMessage(ad, signedPrefix),
    sealed.subarray(SEALED_KEY_SIGNED_BYTES),
  );
  if (!valid) return err(signatureInvalid);

  const ephemeralPublic = sealed.subarray(5, 5 + KEY_BYTES);
  const shared = await curves.x25519SharedSecret(recipient.encryptionPrivateKey, ephemeralPublic);
  if (!shared) return err(decryptFailed);
  const boxKey = await sealingKey(shared, ephemeralPublic, recipient.encryptionPublicKey);
  zeroize(shared);
  const key = openBox(boxKey, ad, sealed.subarray(5 + KEY_BYTES, 5 + KEY_BYTES + BOX_OVERHEAD + KEY_BYTES));
  zeroize(boxKey);
  return key?.length === KEY_BYTES ? ok(key as CollectionKey) : err(decryptFailed);
}

/** The epoch a sealed key claims (checked again when it is opened). */
export function sealedKeyEpoch(sealed: Uint8Array): number | undefined {
  assertBytes(sealed, 'sealed');
  if (sealed.length !== SEALED_KEY_BYTES) return undefined;
  return new DataView(sealed.buffer, sealed.byteOffset, sealed.length).getUint32(1);
}
