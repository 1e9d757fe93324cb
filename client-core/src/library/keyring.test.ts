import { describe, expect, it } from 'vitest';
import { generateCollectionKey, type MasterKey, wrapCollectionKeyForOwner } from '../crypto';
import { bytesToBase64 } from '../sync/base64';
import { addOwnedCollectionKeys, createKeyring, createRecordCipher } from './keyring';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const R = '00000000-0000-4000-8000-000000000001';
const plaintext = new TextEncoder().encode('{"k":"tag"}');

describe('record cipher on the real record encryption', () => {
  const keyring = createKeyring();
  keyring.add(A, 1, generateCollectionKey());
  keyring.add(B, 1, generateCollectionKey());
  const cipher = createRecordCipher(keyring);
  const sealed = cipher.seal({ collectionId: A, recordId: R, version: 3 }, plaintext);

  it('opens a record under the context it was sealed for', () => {
    expect(cipher.open({ collectionId: A, recordId: R, version: 3 }, sealed)).toEqual({
      ok: true,
      value: plaintext,
    });
  });

  it('refuses it at another version, under another id or in another collection', () => {
    const failed = { ok: false, error: { type: 'DecryptFailed' } };
    expect(cipher.open({ collectionId: A, recordId: R, version: 2 }, sealed)).toEqual(failed);
    expect(cipher.open({ collectionId: A, recordId: B, version: 3 }, sealed)).toEqual(failed);
    expect(cipher.open({ collectionId: B, recordId: R, version: 3 }, sealed)).toEqual(failed);
  });

  it('says when the key epoch is not held, and seals new writes with the newest epoch', () => {
    const rotated = createKeyring();
    rotated.add(A, 1, keyring.keyFor(A, 1)!);
    rotated.add(A, 2, generateCollectionKey());
    const newer = createRecordCipher(rotated).seal({ collectionId: A, recordId: R, version: 4 }, plaintext);
    expect(cipher.open({ collectionId: A, recordId: R, version: 4 }, newer)).toEqual({
      ok: false,
      error: { type: 'KeyUnavailable' },
    });
    expect(createRecordCipher(rotated).open({ collectionId: A, recordId: R, version: 3 }, sealed).ok).toBe(
      true,
    );
  });

  it('unwraps owned collection keys from memberships with the master key', async () => {
    const masterKey = new Uint8Array(32).fill(9) as MasterKey;
    const key = generateCollectionKey();
    const wrapped = await wrapCollectionKeyForOwner(masterKey, { collectionId: A, epoch: 1 }, key);
    const membership = {
      collectionId: A,
      ownerId: R,
      role: 'owner' as const,
      keyEpoch: 1,
      encryptedKey: bytesToBase64(wrapped),
      seq: 1,
      createdAt: 0,
    };
    const fresh = createKeyring();
    expect(await addOwnedCollectionKeys(fresh, masterKey, [membership])).toEqual({
      ok: true,
      value: undefined,
    });
    expect(fresh.keyFor(A, 1)).toEqual(key);
    const wrongMaster = new Uint8Array(32).fill(8) as MasterKey;
    expect(await addOwnedCollectionKeys(createKeyring(), wrongMaster, [membership])).toEqual({
      ok: false,
      error: { type: 'KeyUnwrapFailed', collectionId: A },
    });
  });
});
