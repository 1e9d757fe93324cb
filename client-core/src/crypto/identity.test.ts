import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, randomBytes } from './bytes';
import {
  createIdentityBundle,
  generateIdentityKeys,
  safetyNumber,
  unwrapIdentityKeys,
  verifyIdentityBundle,
  wrapIdentityKeys,
} from './identity';
import type { MasterKey } from './types';

const alice = await generateIdentityKeys();
const bob = await generateIdentityKeys();

describe('identity', () => {
  it('publishes a self-signed bundle that verifies to the same public keys', async () => {
    const bundle = await createIdentityBundle(alice);
    expect(base64ToBytes(bundle.signature)).toHaveLength(64);
    const verified = await verifyIdentityBundle(bundle);
    expect(verified).toEqual({
      ok: true,
      value: { encryptionPublicKey: alice.encryptionPublicKey, signingPublicKey: alice.signingPublicKey },
    });
  });

  it('refuses a bundle whose encryption key was replaced by the server', async () => {
    const bundle = await createIdentityBundle(alice);
    const forged = { ...bundle, encryptionPublicKey: bytesToBase64(bob.encryptionPublicKey) };
    expect(await verifyIdentityBundle(forged)).toEqual({ ok: false, error: { type: 'SignatureInvalid' } });
  });

  it('refuses malformed bundles as values', async () => {
    const bundle = await createIdentityBundle(alice);
    for (const bad of [
      null,
      { ...bundle, version: 2 },
      { ...bundle, signingPublicKey: 'AAAA' },
      { ...bundle, signature: '!' },
    ]) {
      expect(await verifyIdentityBundle(bad)).toMatchObject({ ok: false, error: { type: 'MalformedInput' } });
    }
  });

  it('gives both people the same safety number, stable across calls', () => {
    const fromAlice = safetyNumber(alice, bob);
    expect(fromAlice).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(safetyNumber(bob, alice)).toBe(fromAlice);
    expect(safetyNumber(alice, bob)).toBe(fromAlice);
  });

  it('gives a different safety number when either key of either person changes', async () => {
    const mallory = await generateIdentityKeys();
    const reference = safetyNumber(alice, bob);
    expect(safetyNumber(alice, mallory)).not.toBe(reference);
    expect(safetyNumber({ ...bob, signingPublicKey: mallory.signingPublicKey }, alice)).not.toBe(reference);
    expect(safetyNumber({ ...bob, encryptionPublicKey: mallory.encryptionPublicKey }, alice)).not.toBe(
      reference,
    );
  });

  it('wraps the private keys under the master key, bound to the user', async () => {
    const masterKey = randomBytes(32) as MasterKey;
    const wrapped = await wrapIdentityKeys(masterKey, 'alice@example.org', alice);
    expect(await unwrapIdentityKeys(masterKey, 'alice@example.org', wrapped)).toEqual({
      ok: true,
      value: alice,
    });
    const decryptFailed = { ok: false, error: { type: 'DecryptFailed' } };
    expect(await unwrapIdentityKeys(masterKey, 'bob@example.org', wrapped)).toEqual(decryptFailed);
    expect(await unwrapIdentityKeys(randomBytes(32) as MasterKey, 'alice@example.org', wrapped)).toEqual(
      decryptFailed,
    );
  });
});
