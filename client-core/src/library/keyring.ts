/**
 * @module Collection keys in memory, and the RecordCipher the sync engine uses, built on crypto/'s record
 * encryption. Keys are unwrapped from memberships with the master key; `clear` zeroes them on lock.
 * See: [Note: Sealing for the next version]
 */
import type { Membership } from '@halyon/protocol';
import {
  type CollectionKey,
  decryptRecord,
  encryptRecord,
  type MasterKey,
  recordKeyEpoch,
  unwrapCollectionKeyForOwner,
  zeroize,
} from '../crypto';
import { err, ok, type Result } from '../result';
import { base64ToBytes } from '../sync/base64';
import type { RecordCipher } from '../sync/record-cipher';

export interface CollectionKeyring {
  add(collectionId: string, epoch: number, key: CollectionKey): void;
  has(collectionId: string): boolean;
  /** The newest epoch's key: new writes are sealed with it. */
  current(collectionId: string): { readonly epoch: number; readonly key: CollectionKey } | undefined;
  keyFor(collectionId: string, epoch: number): CollectionKey | undefined;
  clear(): void;
}

export const createKeyring = (): CollectionKeyring => {
  const keys = new Map<string, Map<number, CollectionKey>>();
  return {
    add(collectionId, epoch, key) {
      const epochs = keys.get(collectionId) ?? new Map<number, CollectionKey>();
      epochs.set(epoch, key);
      keys.set(collectionId, epochs);
    },
    has: (collectionId) => keys.has(collectionId),
    current(collectionId) {
      const epochs = keys.get(collectionId);
      if (!epochs || epochs.size === 0) return undefined;
      const epoch = Math.max(...epochs.keys());
      return { epoch, key: epochs.get(epoch)! };
    },
    keyFor: (collectionId, epoch) => keys.get(collectionId)?.get(epoch),
    clear() {
      for (const epochs of keys.values()) for (const key of epochs.values()) zeroize(key);
      keys.clear();
    },
  };
};

export interface KeyUnwrapFailed {
  readonly type: 'KeyUnwrapFailed';
  readonly collectionId: string;
}

/** Unwraps the keys of collections this user owns. Shared collections (sealed keys) come with sharing. */
export const addOwnedCollectionKeys = async (
  keyring: CollectionKeyring,
  masterKey: MasterKey,
  memberships: readonly Membership[],
): Promise<Result<void, KeyUnwrapFailed>> => {
  for (const m of memberships) {
    if (m.role !== 'owner' || keyring.keyFor(m.collectionId, m.keyEpoch)) continue;
    const context = { collectionId: m.collectionId, epoch: m.keyEpoch };
    const key = await unwrapCollectionKeyForOwner(masterKey, context, base64ToBytes(m.encryptedKey));
    if (!key.ok) return err({ type: 'KeyUnwrapFailed', collectionId: m.collectionId });
    keyring.add(m.collectionId, m.keyEpoch, key.value);
  }
  return ok(undefined);
};

export const createRecordCipher = (keyring: CollectionKeyring): RecordCipher => ({
  seal({ collectionId, recordId, version }, plaintext) {
    const current = keyring.current(collectionId);
    if (!current)
      throw new Error(`no key for collection ${collectionId}: write before its membership loaded`);
    return encryptRecord(
      current.key,
      { collectionId, recordId, recordVersion: version, epoch: current.epoch },
      plaintext,
    );
  },
  open({ collectionId, recordId, version }, ciphertext) {
    const epoch = recordKeyEpoch(ciphertext);
    if (!epoch.ok) return err({ type: 'DecryptFailed' });
    const key = keyring.keyFor(collectionId, epoch.value);
    if (!key) return err({ type: 'KeyUnavailable' });
    const context = { collectionId, recordId, recordVersion: version, epoch: epoch.value };
    const plaintext = decryptRecord(key, context, ciphertext);
    return plaintext.ok ? ok(plaintext.value) : err({ type: 'DecryptFailed' });
  },
});
