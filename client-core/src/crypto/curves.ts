/**
 * @module X25519 (RFC 7748) and Ed25519 (RFC 8032). The only file that imports @noble/curves.
 *
 * WebCrypto does both natively in Node 20 and in Chromium (133+ for X25519, 137+ for Ed25519), measured on this
 * machine at ~5,000 Ed25519 verifies/s and ~4,800 X25519 agreements/s against ~800 and ~990 for @noble/curves,
 * so WebCrypto is used wherever it is present and noble is the fallback for runtimes without it. Both backends
 * pass the same published vectors (curves.test.ts). Private keys are kept as raw 32-byte values (an X25519
 * scalar, an Ed25519 seed) so they can be wrapped; WebCrypto receives them through a fixed PKCS#8 prefix.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { asBufferSource, assertBytes, concatBytes, hexToBytes } from './bytes';
import { ED25519_SIGNATURE_BYTES, KEY_BYTES } from './formats';

export interface CurveBackend {
  readonly name: 'webcrypto' | 'noble';
  x25519PublicKey(privateKey: Uint8Array): Promise<Uint8Array>;
  /** undefined when the peer key is a low-order point (all-zero shared secret, RFC 7748 section 6.1). */
  x25519SharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array | undefined>;
  /** A fresh ephemeral key pair agreed with `publicKey`; the ephemeral private key never leaves this call. */
  x25519EphemeralAgreement(
    publicKey: Uint8Array,
  ): Promise<{ readonly ephemeralPublicKey: Uint8Array; readonly shared: Uint8Array } | undefined>;
  ed25519PublicKey(privateSeed: Uint8Array): Promise<Uint8Array>;
  ed25519Sign(privateSeed: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

const isAllZero = (bytes: Uint8Array): boolean => bytes.every((byte) => byte === 0);

export const nobleCurves: CurveBackend = {
  name: 'noble',
  x25519PublicKey: async (privateKey) => x25519.getPublicKey(privateKey),
  async x25519SharedSecret(privateKey, publicKey) {
    try {
      const shared = x25519.getSharedSecret(privateKey, publicKey);
      return isAllZero(shared) ? undefined : shared;
    } catch {
      return undefined; // noble refuses low-order points itself
    }
  },
  async x25519EphemeralAgreement(publicKey) {
    const ephemeral = x25519.utils.randomSecretKey();
    try {
      const shared = await nobleCurves.x25519SharedSecret(ephemeral, publicKey);
      return shared && { ephemeralPublicKey: x25519.getPublicKey(ephemeral), shared };
    } finally {
      ephemeral.fill(0);
    }
  },
  ed25519PublicKey: async (privateSeed) => ed25519.getPublicKey(privateSeed),
  ed25519Sign: async (privateSeed, message) => ed25519.sign(message, privateSeed),
  async ed25519Verify(publicKey, message, signature) {
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
};

// PKCS#8 PrivateKeyInfo for the two curves (RFC 8410 section 7): these 16 bytes, then the 32-byte key.
const X25519_PKCS8_PREFIX = hexToBytes('302e020100300506032b656e04220420');
const ED25519_PKCS8_PREFIX = hexToBytes('302e020100300506032b657004220420');

const subtle = () => globalThis.crypto.subtle;
type WebCryptoKey = Awaited<ReturnType<ReturnType<typeof subtle>['importKey']>>;
interface CryptoKeyPairLike {
  readonly publicKey: WebCryptoKey;
  readonly privateKey: WebCryptoKey;
}

function importPrivate(algorithm: 'X25519' | 'Ed25519', key: Uint8Array, usages: ('deriveBits' | 'sign')[]) {
  const prefix = algorithm === 'X25519' ? X25519_PKCS8_PREFIX : ED25519_PKCS8_PREFIX;
  const pkcs8 = concatBytes(prefix, key);
  // Extractable only so the public half can be read back as JWK; the CryptoKey never leaves this module.
  return subtle()
    .importKey('pkcs8', asBufferSource(pkcs8), { name: algorithm }, true, usages)
    .finally(() => pkcs8.fill(0));
}

async function publicFromPrivate(algorithm: 'X25519' | 'Ed25519', key: Uint8Array): Promise<Uint8Array> {
  const privateKey = await importPrivate(algorithm, key, algorithm === 'X25519' ? ['deriveBits'] : ['sign']);
  const jwk = await subtle().exportKey('jwk', privateKey);
  if (typeof jwk.x !== 'string') throw new Error(`${algorithm} JWK export lacks x`);
  return base64UrlToBytes(jwk.x);
}

function base64UrlToBytes(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export const webCryptoCurves: CurveBackend = {
  name: 'webcrypto',
  x25519PublicKey: (privateKey) => publicFromPrivate('X25519', privateKey),
  async x25519SharedSecret(privateKey, publicKey) {
    try {
      const [ours, theirs] = await Promise.all([
        importPrivate('X25519', privateKey, ['deriveBits']),
        subtle().importKey('raw', asBufferSource(publicKey), { name: 'X25519' }, false, []),
      ]);
      const bits = await subtle().deriveBits({ name: 'X25519', public: theirs }, ours, 256);
      const shared = new Uint8Array(bits);
      return isAllZero(shared) ? undefined : shared;
    } catch {
      return undefined; // implementations that refuse low-order points throw instead
    }
  },
  async x25519EphemeralAgreement(publicKey) {
    try {
      // Generated inside WebCrypto and never exported: two fewer round trips than importing a random scalar.
      const [pair, theirs] = await Promise.all([
        subtle().generateKey({ name: 'X25519' }, false, ['deriveBits']) as Promise<CryptoKeyPairLike>,
        subtle().importKey('raw', asBufferSource(publicKey), { name: 'X25519' }, false, []),
      ]);
      const [ephemeralPublicKey, bits] = await Promise.all([
        subtle().exportKey('raw', pair.publicKey),
        subtle().deriveBits({ name: 'X25519', public: theirs }, pair.privateKey, 256),
      ]);
      const shared = new Uint8Array(bits);
      return isAllZero(shared)
        ? undefined
        : { ephemeralPublicKey: new Uint8Array(ephemeralPublicKey), shared };
    } catch {
      return undefined;
    }
  },
  ed25519PublicKey: (privateSeed) => publicFromPrivate('Ed25519', privateSeed),
  async ed25519Sign(privateSeed, message) {
    const key = await importPrivate('Ed25519', privateSeed, ['sign']);
    return new Uint8Array(await subtle().sign({ name: 'Ed25519' }, key, asBufferSource(message)));
  },
  async ed25519Verify(publicKey, message, signature) {
    try {
      const key = await subtle().importKey('raw', asBufferSource(publicKey), { name: 'Ed25519' }, false, [
        'verify',
      ]);
      return await subtle().verify(
        { name: 'Ed25519' },
        key,
        asBufferSource(signature),
        asBufferSource(message),
      );
    } catch {
      return false;
    }
  },
};

let selected: Promise<CurveBackend> | undefined;

/** WebCrypto when this runtime has both curves, else noble. Decided once per process. */
export function curveBackend(): Promise<CurveBackend> {
  selected ??= detectWebCryptoCurves().then((supported) => (supported ? webCryptoCurves : nobleCurves));
  return selected;
}

async function detectWebCryptoCurves(): Promise<boolean> {
  try {
    const probe = new Uint8Array(KEY_BYTES).fill(7);
    const [x, e] = await Promise.all([
      webCryptoCurves.x25519PublicKey(probe),
      webCryptoCurves.ed25519PublicKey(probe),
    ]);
    return x.length === KEY_BYTES && e.length === KEY_BYTES;
  } catch {
    return false;
  }
}

export function assertSignatureBytes(signature: unknown): asserts signature is Uint8Array {
  assertBytes(signature, 'signature', ED25519_SIGNATURE_BYTES);
}
