/**
 * Runs every published vector and our own format vectors through the code paths Halyon uses, returning one
 * result per vector. Shared by the Node tests (vectors.test.ts) and the Chromium Web Worker fixture (e2e/), so
 * both runtimes check exactly the same things.
 */
import type { IdentityBundle, VaultEnvelope } from '@halyon/protocol';
import {
  chaCha20Poly1305Backends,
  hchacha20,
  xchacha20Poly1305Decrypt,
  xchacha20Poly1305Encrypt,
} from '../aead';
import { webCryptoAesGcm } from '../aes-gcm';
import { decryptBlobBytes } from '../blobs';
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes, utf8ToBytes } from '../bytes';
import { openSealedCollectionKey, unwrapCollectionKeyForOwner } from '../collection-keys';
import { contentHashOf, deriveContentHashKey } from '../content-hash';
import { type CurveBackend, nobleCurves, webCryptoCurves } from '../curves';
import { blobCiphertextLength, encodeContext, padme, recordPaddedLength } from '../formats';
import { safetyNumber, verifyIdentityBundle } from '../identity';
import { argon2idHash, hkdfSha256, pbkdf2Sha256 } from '../kdf';
import { nodeAesGcm } from '../node-crypto';
import { decryptRecord } from '../records';
import { hkdfSha256Sync, sha256Backends } from '../sha2';
import type { BlobKey, CollectionKey, Ed25519PrivateKey, MasterKey, X25519PrivateKey } from '../types';
import { unlockVaultWithPassword, unlockVaultWithRecoveryWords } from '../vault';
import aesGcm from './aes-256-gcm.json';
import argon2id from './argon2id.json';
import chacha from './chacha20-poly1305.json';
import ed25519 from './ed25519.json';
import format from './format-v1.json';
import hkdf from './hkdf-sha256.json';
import pbkdf2 from './pbkdf2-sha256.json';
import sha256 from './sha-256.json';
import x25519 from './x25519.json';
import xchacha from './xchacha20-poly1305.json';

export interface VectorResult {
  readonly suite: string;
  readonly name: string;
  readonly passed: boolean;
  readonly detail?: string;
}

type Check = { readonly suite: string; readonly name: string; readonly run: () => Promise<true | string> };

const hex = hexToBytes;
const same = (actual: Uint8Array, expectedHex: string): true | string => {
  const actualHex = bytesToHex(actual);
  return actualHex === expectedHex ? true : `got ${actualHex}, want ${expectedHex}`;
};
const all = (...outcomes: ReadonlyArray<true | string>): true | string =>
  outcomes.find((outcome) => outcome !== true) ?? true;

function publishedChecks(curveBackends: ReadonlyArray<CurveBackend>): Check[] {
  const checks: Check[] = [];
  for (const backend of sha256Backends) {
    for (const v of sha256.vectors) {
      checks.push({
        suite: backend.name === 'noble' ? 'sha-256' : `sha-256 (${backend.name})`,
        name: v.name,
        run: async () => same(backend.hash(hex(v.message)), v.digest),
      });
    }
  }
  for (const v of xchacha.hchacha20) {
    checks.push({
      suite: 'hchacha20',
      name: v.name,
      run: async () => same(hchacha20(hex(v.key), hex(v.nonce)), v.subkey),
    });
  }
  // Boxes use node:crypto's ChaCha20-Poly1305 where present and noble's elsewhere: each must match the vectors
  // both ways and refuse a flipped tag.
  const flipLastBit = (bytes: Uint8Array) => {
    const flipped = bytes.slice();
    flipped[flipped.length - 1]! ^= 1;
    return flipped;
  };
  for (const backend of chaCha20Poly1305Backends) {
    const suffix = backend.name === 'noble' ? '' : ` (${backend.name})`;
    for (const v of xchacha.vectors) {
      checks.push({
        suite: `xchacha20-poly1305${suffix}`,
        name: v.name,
        run: async () => {
          const open = (sealed: Uint8Array) =>
            xchacha20Poly1305Decrypt(backend, hex(v.key), hex(v.nonce), hex(v.aad), sealed);
          return all(
            same(
              xchacha20Poly1305Encrypt(backend, hex(v.key), hex(v.nonce), hex(v.aad), hex(v.plaintext)),
              v.ciphertext + v.tag,
            ),
            same(open(hex(v.ciphertext + v.tag)) ?? new Uint8Array(), v.plaintext),
            open(flipLastBit(hex(v.ciphertext + v.tag))) ? 'opened with a tampered tag' : true,
          );
        },
      });
    }
    for (const v of chacha.vectors) {
      checks.push({
        suite: `chacha20-poly1305${suffix}`,
        name: v.name,
        run: async () => {
          const sealed = new Uint8Array(v.plaintext.length / 2 + v.tag.length / 2);
          backend.seal(hex(v.key), hex(v.nonce), hex(v.aad), hex(v.plaintext), sealed);
          const open = (bytes: Uint8Array) => backend.open(hex(v.key), hex(v.nonce), hex(v.aad), bytes);
          return all(
            same(sealed, v.ciphertext + v.tag),
            same(open(hex(v.ciphertext + v.tag)) ?? new Uint8Array(), v.plaintext),
            open(flipLastBit(hex(v.ciphertext + v.tag))) ? 'opened with a tampered tag' : true,
          );
        },
      });
    }
  }
  // Blobs use node:crypto where present and WebCrypto elsewhere: both must agree with the vectors both ways.
  for (const backend of nodeAesGcm ? [webCryptoAesGcm, nodeAesGcm] : [webCryptoAesGcm]) {
    const suite = backend === webCryptoAesGcm ? 'aes-256-gcm' : `aes-256-gcm (${backend.name})`;
    for (const v of aesGcm.vectors) {
      checks.push({
        suite,
        name: v.name,
        run: async () => {
          const key = await backend.importKey(hex(v.key));
          const sealed = hex(v.ciphertext + v.tag);
          const tampered = flipLastBit(sealed);
          return all(
            same(await key.seal(hex(v.iv), hex(v.aad), hex(v.plaintext)), v.ciphertext + v.tag),
            same((await key.open(hex(v.iv), hex(v.aad), sealed)) ?? new Uint8Array(), v.plaintext),
            (await key.open(hex(v.iv), hex(v.aad), tampered)) ? 'opened with a tampered tag' : true,
          );
        },
      });
    }
  }
  for (const v of argon2id.vectors) {
    checks.push({
      suite: 'argon2id',
      name: v.name,
      run: async () => same(await argon2idHash(utf8ToBytes(v.password), utf8ToBytes(v.salt), v), v.tag),
    });
  }
  for (const v of hkdf.vectors) {
    checks.push({
      suite: 'hkdf-sha256',
      name: v.name,
      run: async () => same(await hkdfSha256(hex(v.ikm), hex(v.info), v.length, hex(v.salt)), v.okm),
    });
    checks.push({
      suite: 'hkdf-sha256 (sync)',
      name: v.name,
      run: async () => same(hkdfSha256Sync(hex(v.ikm), hex(v.info), v.length, hex(v.salt)), v.okm),
    });
  }
  for (const v of pbkdf2.vectors) {
    checks.push({
      suite: 'pbkdf2-sha256',
      name: v.name,
      run: async () =>
        same(await pbkdf2Sha256(utf8ToBytes(v.password), utf8ToBytes(v.salt), v.iterations, v.length), v.dk),
    });
  }
  for (const curves of curveBackends) {
    const dh = x25519.diffieHellman;
    checks.push({
      suite: `x25519 (${curves.name})`,
      name: '6.1 Diffie-Hellman',
      run: async () =>
        all(
          same(await curves.x25519PublicKey(hex(dh.alicePrivate)), dh.alicePublic),
          same(await curves.x25519PublicKey(hex(dh.bobPrivate)), dh.bobPublic),
          same(
            (await curves.x25519SharedSecret(hex(dh.alicePrivate), hex(dh.bobPublic))) ?? new Uint8Array(),
            dh.shared,
          ),
          same(
            (await curves.x25519SharedSecret(hex(dh.bobPrivate), hex(dh.alicePublic))) ?? new Uint8Array(),
            dh.shared,
          ),
        ),
    });
    for (const v of x25519.scalarMult) {
      checks.push({
        suite: `x25519 (${curves.name})`,
        name: v.name,
        run: async () =>
          same((await curves.x25519SharedSecret(hex(v.scalar), hex(v.u))) ?? new Uint8Array(), v.output),
      });
    }
    for (const v of ed25519.vectors) {
      checks.push({
        suite: `ed25519 (${curves.name})`,
        name: v.name,
        run: async () => {
          const tampered = hex(v.signature);
          tampered[0]! ^= 1;
          return all(
            same(await curves.ed25519PublicKey(hex(v.secretKey)), v.publicKey),
            same(await curves.ed25519Sign(hex(v.secretKey), hex(v.message)), v.signature),
            (await curves.ed25519Verify(hex(v.publicKey), hex(v.message), hex(v.signature))) ||
              'valid signature refused',
            !(await curves.ed25519Verify(hex(v.publicKey), hex(v.message), tampered)) ||
              'tampered signature accepted',
          );
        },
      });
    }
  }
  return checks;
}

const b64 = (text: string): Uint8Array => {
  const bytes = base64ToBytes(text);
  if (!bytes) throw new Error('vector holds invalid base64');
  return bytes;
};

async function identityFromBundle(bundle: IdentityBundle) {
  const verified = await verifyIdentityBundle(bundle);
  if (!verified.ok) throw new Error(`bundle: ${verified.error.type}`);
  return verified.value;
}

function formatChecks(): Check[] {
  const suite = 'format-v1';
  const {
    vault,
    record,
    ownerWrappedCollectionKey: owner,
    sealedCollectionKey: sealed,
    blob,
    contentHash,
  } = format;
  const envelope = vault.envelope as VaultEnvelope;
  return [
    {
      suite,
      name: 'vault unlocks with the password',
      run: async () => {
        const unlocked = await unlockVaultWithPassword(envelope, vault.password, vault.userId);
        if (!unlocked.ok) return unlocked.error.type;
        return all(
          same(unlocked.value.vault.masterKey, vault.masterKey),
          unlocked.value.authKeyB64 === vault.authKeyB64 || 'auth key differs',
          same(unlocked.value.vault.identity.encryptionPrivateKey, vault.encryptionPrivateKey),
          same(unlocked.value.vault.identity.signingPrivateKey, vault.signingPrivateKey),
        );
      },
    },
    {
      suite,
      name: 'vault unlocks with the recovery words',
      run: async () => {
        const unlocked = await unlockVaultWithRecoveryWords(envelope, vault.recoveryWords, vault.userId);
        return unlocked.ok ? same(unlocked.value.masterKey, vault.masterKey) : unlocked.error.type;
      },
    },
    {
      suite,
      name: 'record decrypts',
      run: async () => {
        const opened = decryptRecord(
          hex(record.key) as CollectionKey,
          record.context,
          b64(record.ciphertextB64),
        );
        return opened.ok ? same(opened.value, record.plaintext) : opened.error.type;
      },
    },
    {
      suite,
      name: 'owner-wrapped collection key unwraps',
      run: async () => {
        const key = await unwrapCollectionKeyForOwner(
          hex(vault.masterKey) as MasterKey,
          owner.context,
          b64(owner.wrappedB64),
        );
        return key.ok ? same(key.value, owner.key) : key.error.type;
      },
    },
    {
      suite,
      name: 'sealed collection key verifies and opens',
      run: async () => {
        const sender = await identityFromBundle(sealed.senderBundle as IdentityBundle);
        const recipientPublic = await identityFromBundle(sealed.recipientBundle as IdentityBundle);
        const recipient = {
          ...recipientPublic,
          encryptionPrivateKey: hex(sealed.recipientEncryptionPrivateKey) as X25519PrivateKey,
          signingPrivateKey: hex(sealed.recipientSigningPrivateKey) as Ed25519PrivateKey,
        };
        const key = await openSealedCollectionKey({
          sealed: b64(sealed.sealedB64),
          context: sealed.context,
          recipient,
          sender,
        });
        if (!key.ok) return key.error.type;
        return all(
          same(key.value, sealed.key),
          safetyNumber(sender, recipientPublic) === format.safetyNumber || 'safety number differs',
        );
      },
    },
    {
      suite,
      name: 'blob decrypts',
      run: async () => {
        const plaintext = await decryptBlobBytes(hex(blob.key) as BlobKey, b64(blob.ciphertextB64));
        return plaintext.ok ? same(plaintext.value, blob.plaintext) : plaintext.error.type;
      },
    },
    {
      suite,
      name: 'content hash',
      run: async () => {
        const key = await deriveContentHashKey(hex(contentHash.masterKey) as MasterKey);
        return same(await contentHashOf(key, [hex(contentHash.plaintext)]), contentHash.hash);
      },
    },
    {
      suite,
      name: 'sizes and context encoding',
      run: async () =>
        all(
          ...format.sizes.padme.map(([n, want]) => padme(n!) === want || `padme(${n})`),
          ...format.sizes.recordPadded.map(
            ([n, want]) => recordPaddedLength(n!) === want || `recordPaddedLength(${n})`,
          ),
          ...format.sizes.blobCiphertext.map(
            ([n, want]) => blobCiphertextLength(n!) === want || `blobCiphertextLength(${n})`,
          ),
          same(encodeContext(format.context.label, ...format.context.fields), format.context.encoded),
          bytesToBase64(b64(format.record.ciphertextB64)) === format.record.ciphertextB64 ||
            'base64 round trip',
        ),
    },
  ];
}

/** Runs all checks; the curve vectors run against every backend given (WebCrypto and noble by default). */
export async function checkAllVectors(
  curveBackends: ReadonlyArray<CurveBackend> = [webCryptoCurves, nobleCurves],
): Promise<ReadonlyArray<VectorResult>> {
  const results: VectorResult[] = [];
  for (const check of [...publishedChecks(curveBackends), ...formatChecks()]) {
    try {
      const outcome = await check.run();
      results.push({
        suite: check.suite,
        name: check.name,
        passed: outcome === true,
        ...(outcome === true ? {} : { detail: outcome }),
      });
    } catch (error) {
      results.push({ suite: check.suite, name: check.name, passed: false, detail: String(error) });
    }
  }
  return results;
}
