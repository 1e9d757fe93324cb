/**
 * @module Identity keys: an X25519 pair (collection keys are sealed to it) and an Ed25519 pair (signs sealed keys
 * and the public bundle). Private halves are wrapped by a key derived from the master key and stored in the
 * vault envelope; public halves are published as a self-signed IdentityBundle. A safety number lets two people
 * check, out of band, that they see each other's real keys.
 */
import type { IdentityBundle } from '@halyon/protocol';
import { err, ok, type Result } from '../result';
import { openBox, sealBox } from './aead';
import {
  assertBytes,
  assertNonEmptyString,
  base64ToBytes,
  bytesToBase64,
  concatBytes,
  randomBytes,
  zeroize,
} from './bytes';
import { curveBackend } from './curves';
import {
  type DecryptFailed,
  decryptFailed,
  type MalformedInput,
  type SignatureInvalid,
  signatureInvalid,
} from './errors';
import {
  ED25519_SIGNATURE_BYTES,
  encodeContext,
  FORMAT_VERSION,
  IDENTITY_BUNDLE_VERSION,
  IDENTITY_KEYS_PLAINTEXT_BYTES,
  KEY_BYTES,
  LABELS,
} from './formats';
import { hkdfSha256 } from './kdf';
import { sha256Sync } from './sha2';
import type {
  Ed25519PrivateKey,
  Ed25519PublicKey,
  MasterKey,
  X25519PrivateKey,
  X25519PublicKey,
} from './types';

export type { IdentityBundle };

export interface PublicIdentity {
  readonly encryptionPublicKey: X25519PublicKey;
  readonly signingPublicKey: Ed25519PublicKey;
}

export interface IdentityKeys extends PublicIdentity {
  readonly encryptionPrivateKey: X25519PrivateKey;
  readonly signingPrivateKey: Ed25519PrivateKey;
}

export async function generateIdentityKeys(): Promise<IdentityKeys> {
  return identityFromPrivateKeys(randomBytes(KEY_BYTES), randomBytes(KEY_BYTES));
}

async function identityFromPrivateKeys(encryptionPrivate: Uint8Array, signingPrivate: Uint8Array) {
  const curves = await curveBackend();
  const [encryptionPublicKey, signingPublicKey] = await Promise.all([
    curves.x25519PublicKey(encryptionPrivate),
    curves.ed25519PublicKey(signingPrivate),
  ]);
  return {
    encryptionPrivateKey: encryptionPrivate as X25519PrivateKey,
    encryptionPublicKey: encryptionPublicKey as X25519PublicKey,
    signingPrivateKey: signingPrivate as Ed25519PrivateKey,
    signingPublicKey: signingPublicKey as Ed25519PublicKey,
  };
}

export function zeroIdentityKeys(keys: IdentityKeys): void {
  zeroize(keys.encryptionPrivateKey, keys.signingPrivateKey);
}

const identityWrapAd = (userId: string) => encodeContext(LABELS.vaultIdentityAd, FORMAT_VERSION, userId);

/** Private halves -> box under HKDF(masterKey, identityWrap); see formats.ts, "Vault". */
export async function wrapIdentityKeys(
  masterKey: MasterKey,
  userId: string,
  keys: IdentityKeys,
): Promise<Uint8Array> {
  assertBytes(masterKey, 'masterKey', KEY_BYTES);
  assertNonEmptyString(userId, 'userId');
  assertBytes(keys?.encryptionPrivateKey, 'encryptionPrivateKey', KEY_BYTES);
  assertBytes(keys?.signingPrivateKey, 'signingPrivateKey', KEY_BYTES);
  const wrapKey = await hkdfSha256(masterKey, LABELS.identityWrap);
  const plaintext = concatBytes(keys.encryptionPrivateKey, keys.signingPrivateKey);
  try {
    return sealBox(wrapKey, identityWrapAd(userId), plaintext);
  } finally {
    zeroize(wrapKey, plaintext);
  }
}

export async function unwrapIdentityKeys(
  masterKey: MasterKey,
  userId: string,
  wrapped: Uint8Array,
): Promise<Result<IdentityKeys, DecryptFailed>> {
  assertBytes(masterKey, 'masterKey', KEY_BYTES);
  assertNonEmptyString(userId, 'userId');
  assertBytes(wrapped, 'wrapped');
  const wrapKey = await hkdfSha256(masterKey, LABELS.identityWrap);
  const plaintext = openBox(wrapKey, identityWrapAd(userId), wrapped);
  zeroize(wrapKey);
  if (plaintext?.length !== IDENTITY_KEYS_PLAINTEXT_BYTES) {
    zeroize(plaintext);
    return err(decryptFailed);
  }
  return ok(
    await identityFromPrivateKeys(plaintext.slice(0, KEY_BYTES), plaintext.slice(KEY_BYTES)).finally(() =>
      zeroize(plaintext),
    ),
  );
}

const bundleMessage = (identity: PublicIdentity) =>
  encodeContext(
    LABELS.identityBundle,
    IDENTITY_BUNDLE_VERSION,
    identity.encryptionPublicKey,
    identity.signingPublicKey,
  );

export async function createIdentityBundle(keys: IdentityKeys): Promise<IdentityBundle> {
  assertBytes(keys?.signingPrivateKey, 'signingPrivateKey', KEY_BYTES);
  assertBytes(keys.encryptionPublicKey, 'encryptionPublicKey', KEY_BYTES);
  assertBytes(keys.signingPublicKey, 'signingPublicKey', KEY_BYTES);
  const curves = await curveBackend();
  const signature = await curves.ed25519Sign(keys.signingPrivateKey, bundleMessage(keys));
  return {
    version: IDENTITY_BUNDLE_VERSION,
    encryptionPublicKey: bytesToBase64(keys.encryptionPublicKey),
    signingPublicKey: bytesToBase64(keys.signingPublicKey),
    signature: bytesToBase64(signature),
  };
}

/** Checks shape, key lengths and the self-signature of a bundle from the server. */
export async function verifyIdentityBundle(
  bundle: unknown,
): Promise<Result<PublicIdentity, MalformedInput | SignatureInvalid>> {
  const malformed = err<MalformedInput>({ type: 'MalformedInput', what: 'identity bundle' });
  if (typeof bundle !== 'object' || bundle === null) return malformed;
  const candidate = bundle as Record<string, unknown>;
  if (candidate.version !== IDENTITY_BUNDLE_VERSION) return malformed;
  const encryptionPublicKey = base64ToBytes(candidate.encryptionPublicKey as string);
  const signingPublicKey = base64ToBytes(candidate.signingPublicKey as string);
  const signature = base64ToBytes(candidate.signature as string);
  if (
    encryptionPublicKey?.length !== KEY_BYTES ||
    signingPublicKey?.length !== KEY_BYTES ||
    signature?.length !== ED25519_SIGNATURE_BYTES
  ) {
    return malformed;
  }
  const identity = {
    encryptionPublicKey: encryptionPublicKey as X25519PublicKey,
    signingPublicKey: signingPublicKey as Ed25519PublicKey,
  };
  const curves = await curveBackend();
  const valid = await curves.ed25519Verify(signingPublicKey, bundleMessage(identity), signature);
  return valid ? ok(identity) : err(signatureInvalid);
}

const SAFETY_GROUPS_PER_PERSON = 6;
const SAFETY_GROUP_DIGITS = 5;

/** 30 digits per person: six 40-bit big-endian slices of SHA-256(ctx(safetyNumber, keys)), each mod 10^5. */
function personDigits(identity: PublicIdentity): string {
  const digest = sha256Sync(
    encodeContext(LABELS.safetyNumber, identity.encryptionPublicKey, identity.signingPublicKey),
  );
  let digits = '';
  for (let group = 0; group < SAFETY_GROUPS_PER_PERSON; group++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + digest[group * 5 + i]!;
    digits += String(value % 10 ** SAFETY_GROUP_DIGITS).padStart(SAFETY_GROUP_DIGITS, '0');
  }
  return digits;
}

/**
 * 60 digits in groups of five that both people see identically: the two halves are sorted, so the number is the
 * same whichever side computes it, and changes if either person's keys change.
 */
export function safetyNumber(a: PublicIdentity, b: PublicIdentity): string {
  for (const identity of [a, b]) {
    assertBytes(identity?.encryptionPublicKey, 'encryptionPublicKey', KEY_BYTES);
    assertBytes(identity.signingPublicKey, 'signingPublicKey', KEY_BYTES);
  }
  const halves = [personDigits(a), personDigits(b)].sort();
  return halves.join('').match(/.{5}/g)!.join(' ');
}
