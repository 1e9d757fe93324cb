/**
 * @module One signed-in client: the local store, the sync engine and the library, wired for one account's master
 * key. The worker, the CLI, tests and third-party Node clients all build this; only platform pieces differ
 * (the store's IndexedDB, the transport's fetch).
 */
import { type MasterKey, wrapCollectionKeyForOwner } from '../crypto';
import { err, ok, type Result } from '../result';
import type { LocalStore } from '../store/local-store';
import { bytesToBase64 } from '../sync/base64';
import { createSyncEngine, type SyncReport } from '../sync/engine';
import type { SyncError } from '../sync/errors';
import { createHlcClock } from '../sync/hlc';
import { createSnapshotCipher } from '../sync/snapshot-cipher';
import type { Transport } from '../sync/transport';
import { createLinkIdDeriver, deriveLibraryCollection, deriveLinkIdKey } from './derived-keys';
import { addOwnedCollectionKeys, createKeyring, createRecordCipher } from './keyring';
import { blobIdsOfDoc, CURRENT_SCHEMA_VERSION, decodeRecordDoc, encodeRecordDoc } from './kinds';
import { createLibrary } from './library';
import { recordPacking } from './packing';

export interface HalyonClientOptions {
  readonly store: LocalStore;
  readonly transport: Transport;
  readonly masterKey: MasterKey;
  readonly now?: () => number;
  readonly newId?: () => string;
}

export const openHalyonClient = async (options: HalyonClientOptions) => {
  const { store, transport, masterKey } = options;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => crypto.randomUUID());
  const keyring = createKeyring();
  const libraryCollection = deriveLibraryCollection(masterKey);
  keyring.add(libraryCollection.collectionId, 1, libraryCollection.key);

  const engine = createSyncEngine({
    store,
    transport,
    cipher: createRecordCipher(keyring),
    codec: {
      blobIdsOf: blobIdsOfDoc,
      encode: encodeRecordDoc,
      decode: decodeRecordDoc,
      schema: JSON.stringify(CURRENT_SCHEMA_VERSION),
      packing: recordPacking,
    },
    newOpId: newId,
    now,
    snapshotCipher: await createSnapshotCipher(masterKey),
  });
  const library = createLibrary({
    engine,
    clock: createHlcClock(await store.getDeviceId(), now),
    linkIds: createLinkIdDeriver(deriveLinkIdKey(masterKey)),
    collectionId: libraryCollection.collectionId,
    newId,
    now,
  });
  // The warm start: from the local snapshot and what changed after it. See: [Note: Local snapshot]
  await library.load();

  /** Creates the library collection on the server the first time (idempotent: every device derives the same). */
  const ensureLibraryCollection = async (): Promise<Result<void, SyncError>> => {
    const memberships = await store.listMemberships();
    if (memberships.some((m) => m.collectionId === libraryCollection.collectionId)) return ok(undefined);
    const context = { collectionId: libraryCollection.collectionId, epoch: 1 };
    const wrapped = await wrapCollectionKeyForOwner(masterKey, context, libraryCollection.key);
    const created = await transport.createCollection({
      id: libraryCollection.collectionId,
      encryptedKey: bytesToBase64(wrapped),
      keyEpoch: 1,
    });
    return created.ok ? ok(undefined) : err({ type: 'Transport', error: created.error });
  };

  return {
    library,
    engine,
    store,
    libraryCollectionId: libraryCollection.collectionId,
    /** One sync round; safe to call at any time (the runner calls it). */
    async sync(): Promise<Result<SyncReport, SyncError>> {
      const ensured = await ensureLibraryCollection();
      if (!ensured.ok) return ensured;
      const synced = await engine.syncOnce();
      const keys = await addOwnedCollectionKeys(keyring, masterKey, await store.listMemberships());
      if (!keys.ok) return keys;
      return synced;
    },
    /**
     * Forgets the decrypted library and the keys (lock). The UI's copy goes at once; the engine first seals what
     * it shows as the local snapshot if it is behind, so the next warm start is quick. The store keeps only
     * ciphertext. Await it before closing the store.
     */
    async lock(): Promise<void> {
      library.close();
      await engine.close();
      keyring.clear();
    },
  };
};

export type HalyonClient = Awaited<ReturnType<typeof openHalyonClient>>;
