import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBytes } from './bytes';
import {
  generateCollectionKey,
  openSealedCollectionKey,
  rotateCollectionKey,
  sealCollectionKey,
  sealedKeyEpoch,
  unwrapCollectionKeyForOwner,
  wrapCollectionKeyForOwner,
} from './collection-keys';
import { generateIdentityKeys } from './identity';
import type { MasterKey } from './types';

const alice = await generateIdentityKeys();
const bob = await generateIdentityKeys();
const carol = await generateIdentityKeys();
const context = { collectionId: '3f2e1d0c-9b8a-4776-a655-443322110000', epoch: 1 };
const key = generateCollectionKey();
const sealed = await sealCollectionKey({ key, context, sender: alice, recipient: bob });
const decryptFailed = { ok: false, error: { type: 'DecryptFailed' } };

describe('collection keys', () => {
  it('wraps a key for its owner, bound to collection and epoch', async () => {
    const masterKey = randomBytes(32) as MasterKey;
    const wrapped = await wrapCollectionKeyForOwner(masterKey, context, key);
    expect(await unwrapCollectionKeyForOwner(masterKey, context, wrapped)).toEqual({ ok: true, value: key });
    expect(await unwrapCollectionKeyForOwner(masterKey, { ...context, epoch: 2 }, wrapped)).toEqual(
      decryptFailed,
    );
    expect(
      await unwrapCollectionKeyForOwner(masterKey, { ...context, collectionId: 'another' }, wrapped),
    ).toEqual(decryptFailed);
  });

  it('seals a key to a member, who opens it after verifying the sender', async () => {
    expect(sealedKeyEpoch(sealed)).toBe(1);
    expect(await openSealedCollectionKey({ sealed, context, recipient: bob, sender: alice })).toEqual({
      ok: true,
      value: key,
    });
  });

  it('refuses a sealed key presented as coming from someone else', async () => {
    expect(await openSealedCollectionKey({ sealed, context, recipient: bob, sender: carol })).toEqual({
      ok: false,
      error: { type: 'SignatureInvalid' },
    });
  });

  it('refuses a sealed key forged by another member who re-signs it', async () => {
    // Carol (who knows the key) seals her own copy to Bob but claims it is Alice's: Alice's signature is missing.
    const forged = await sealCollectionKey({ key, context, sender: carol, recipient: bob });
    expect(
      (await openSealedCollectionKey({ sealed: forged, context, recipient: bob, sender: alice })).ok,
    ).toBe(false);
  });

  it('refuses a sealed key for another recipient, collection or epoch', async () => {
    expect(await openSealedCollectionKey({ sealed, context, recipient: carol, sender: alice })).toMatchObject(
      { ok: false },
    );
    expect(
      await openSealedCollectionKey({
        sealed,
        context: { ...context, epoch: 2 },
        recipient: bob,
        sender: alice,
      }),
    ).toEqual(decryptFailed);
    const otherCollection = { ...context, collectionId: '3f2e1d0c-9b8a-4776-a655-443322110001' };
    expect(
      await openSealedCollectionKey({ sealed, context: otherCollection, recipient: bob, sender: alice }),
    ).toMatchObject({ ok: false });
  });

  it('refuses any single flipped bit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: sealed.length * 8 - 1 }), async (bit) => {
        const tampered = sealed.slice();
        tampered[bit >> 3]! ^= 1 << (bit & 7);
        const opened = await openSealedCollectionKey({
          sealed: tampered,
          context,
          recipient: bob,
          sender: alice,
        });
        expect(opened.ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('rotates to the next epoch with a new key, which members open only at that epoch', async () => {
    const next = rotateCollectionKey({ ...context });
    expect(next.epoch).toBe(2);
    expect(next.key).not.toEqual(key);
    const nextContext = { collectionId: next.collectionId, epoch: next.epoch };
    const resealed = await sealCollectionKey({
      key: next.key,
      context: nextContext,
      sender: alice,
      recipient: carol,
    });
    expect(
      await openSealedCollectionKey({
        sealed: resealed,
        context: nextContext,
        recipient: carol,
        sender: alice,
      }),
    ).toEqual({ ok: true, value: next.key });
    expect(
      (await openSealedCollectionKey({ sealed: resealed, context, recipient: carol, sender: alice })).ok,
    ).toBe(false);
  });
});
