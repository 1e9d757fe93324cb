/**
 * @module The public entry of client-core: crypto, the local store, the sync engine and runner, the fetch
 * transport and the library API. Test doubles (sync/testing, store/test-store) are not part of it.
 */
export * from './crypto';
export * from './download/download';
export {
  changeAccountPassword,
  listAccountSessions,
  type RecoverError,
  recoverAccount,
  rotateAccountRecoveryKey,
  type SignInError,
} from './library/account';
export { type HalyonClient, type HalyonClientOptions, openHalyonClient } from './library/client';
export { deriveLibraryCollection, deriveLinkIdKey, deriveUploadStateKey } from './library/derived-keys';
export { addOwnedCollectionKeys, createKeyring, createRecordCipher } from './library/keyring';
export * from './library/kinds';
export { createLibrary, type Library, type NewPhoto } from './library/library';
export type { AlbumView, DayGroup, LibraryQueries, PhotoView, TagView } from './library/queries';
export { type LocalStore, type LocalStoreOptions, openLocalStore } from './store/local-store';
export { openMemoryLocalStore } from './store/memory-store';
export { openUploadStore, type UploadStore, type UploadStoreOptions } from './store/upload-store';
export { base64ToBytes as wireBase64ToBytes, bytesToBase64 as bytesToWireBase64 } from './sync/base64';
export { browserNetworkStatus } from './sync/browser-network';
export {
  createSyncEngine,
  DELETE_FOREVER,
  type DocChange,
  type LocalWrite,
  type SyncEngine,
  type SyncEvent,
  type SyncReport,
} from './sync/engine';
export type { RefusalReason, RefusedRecord, SyncError } from './sync/errors';
export { createHlcClock, type Hlc, type HlcClock } from './sync/hlc';
export { createDoc, editDoc, mergeDocs, type RecordDoc } from './sync/merge';
export type { RecordCipher, RecordCodec, RecordContext as SealContext } from './sync/record-cipher';
export {
  abortableSleep,
  backoffDelay,
  createSyncRunner,
  type NetworkStatus,
  type RunnerStatus,
  type SyncRunner,
} from './sync/runner';
export type { StoredRecord, SyncStore } from './sync/sync-store';
export type { ServerEvent, Transport, TransportError } from './sync/transport';
export { type AccessTokenSource, type AuthClient, createAuthClient } from './transport/auth-client';
export { createFetchTransport } from './transport/fetch-transport';
export * from './upload';
