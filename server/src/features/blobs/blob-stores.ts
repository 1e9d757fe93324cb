/**
 * @module Which store holds a blob: the server's default store (storage_config_id NULL), or a user's own bucket
 * (a storage_configs row). Stores for users' buckets are made on first use, with the credentials decrypted then,
 * and kept for the life of the process.
 */
import type { BlobsConfig } from './blobs.config';
import { decryptCredentials } from './credentials-cipher';
import type { BlobStore } from './stores/blob-store';
import { createFilesystemBlobStore, type FilesystemBlobStore } from './stores/filesystem-store';
import { createS3BlobStore, type S3BlobStore, type S3Location } from './stores/s3-store';

export type StorageConfigRecord = S3Location & {
  readonly id: string;
  readonly credentialsEncrypted: Buffer;
};

export interface BlobStores {
  readonly defaultStore: BlobStore;
  /** The store for a blob's `storage_config_id`; `load` fetches the config row the first time. */
  storeFor(configId: string | null, load: (id: string) => Promise<StorageConfigRecord>): Promise<BlobStore>;
  close(): void;
}

export function createBlobStores(config: BlobsConfig, defaultStore?: BlobStore): BlobStores {
  const own = defaultStore ?? createDefaultStore(config);
  const userStores = new Map<string, Promise<S3BlobStore>>();
  return {
    defaultStore: own,
    storeFor(configId, load) {
      if (configId === null) return Promise.resolve(own);
      let store = userStores.get(configId);
      if (!store) {
        store = load(configId).then((record) => {
          if (!config.storageKey)
            throw new Error('a blob lives in a user bucket but BLOB_STORAGE_KEY is unset');
          return createUserBucketStore(
            config,
            record,
            decryptCredentials(config.storageKey, record.id, record.credentialsEncrypted),
          );
        });
        store.catch(() => userStores.delete(configId));
        userStores.set(configId, store);
      }
      return store;
    },
    close() {
      if ('close' in own && typeof own.close === 'function') own.close();
      for (const store of userStores.values()) store.then((s) => s.close()).catch(() => undefined);
      userStores.clear();
    },
  };
}

export function createUserBucketStore(
  config: BlobsConfig,
  location: S3Location,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): S3BlobStore {
  return createS3BlobStore({
    ...location,
    credentials,
    presignExpirySeconds: config.presignExpirySeconds,
    multipartThresholdBytes: config.multipartThresholdBytes,
    partSizeBytes: config.partSizeBytes,
  });
}

function createDefaultStore(config: BlobsConfig): FilesystemBlobStore | S3BlobStore {
  const { store } = config;
  return store.kind === 'filesystem' ? createFilesystemBlobStore(store.rootDir) : createS3BlobStore(store);
}
