import { describe, expect, it } from 'vitest';
import { randomBytes } from './bytes';
import { curveBackend, nobleCurves, webCryptoCurves } from './curves';

describe.each([webCryptoCurves, nobleCurves])('$name curves', (curves) => {
  it('agrees an ephemeral secret the recipient derives too', async () => {
    const recipientPrivate = randomBytes(32);
    const recipientPublic = await curves.x25519PublicKey(recipientPrivate);
    const agreement = await curves.x25519EphemeralAgreement(recipientPublic);
    if (!agreement) throw new Error('no agreement');
    expect(await curves.x25519SharedSecret(recipientPrivate, agreement.ephemeralPublicKey)).toEqual(
      agreement.shared,
    );
    const again = await curves.x25519EphemeralAgreement(recipientPublic);
    expect(again?.ephemeralPublicKey).not.toEqual(agreement.ephemeralPublicKey);
  });

  it('refuses a low-order public key instead of agreeing an all-zero secret', async () => {
    const lowOrder = new Uint8Array(32); // u = 0
    expect(await curves.x25519EphemeralAgreement(lowOrder)).toBeUndefined();
    expect(await curves.x25519SharedSecret(randomBytes(32), lowOrder)).toBeUndefined();
  });

  it('refuses a signature made by another key', async () => {
    const message = randomBytes(100);
    const signature = await curves.ed25519Sign(randomBytes(32), message);
    const otherPublic = await curves.ed25519PublicKey(randomBytes(32));
    expect(await curves.ed25519Verify(otherPublic, message, signature)).toBe(false);
  });
});

it('picks WebCrypto in Node 20, where it has both curves', async () => {
  expect((await curveBackend()).name).toBe('webcrypto');
});
