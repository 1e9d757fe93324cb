/**
 * @module What the web app needs from the client library, as TypeScript types only.
 *
 * The library runs in a Web Worker (client-core/src/worker.ts) and is reached over comlink, so every call is
 * asynchronous and every value crosses a structured clone: plain data, `Blob`, `File`, no classes, no functions
 * except listeners (which the adapter wraps with `Comlink.proxy`). The main thread never receives a key, only
 * decrypted display data that it keeps in memory. Expected failures come back as `Result` values with plain
 * error objects, the same shape as client-core's `Result`; bugs and outages reject the promise.
 *
 * The screens are written against this interface; app/ supplies the implementation that wraps the worker.
 */

export type Result<T, E> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PhotoId = Brand<string, 'PhotoId'>;
export type AlbumId = Brand<string, 'AlbumId'>;
export type TagId = Brand<string, 'TagId'>;
export type UploadId = Brand<string, 'UploadId'>;
export type SessionId = Brand<string, 'SessionId'>;

/** Milliseconds since the Unix epoch (UTC). */
export type EpochMs = number;

// ---------------------------------------------------------------- accounts and the vault

export type VaultState =
  | { readonly status: 'signedOut' }
  | { readonly status: 'locked'; readonly email: string }
  | { readonly status: 'unlocked'; readonly email: string };

/** Reported while a password is turned into keys, so the UI can show what the wait is for. */
export interface KeyDerivationProgress {
  readonly stage: 'deriving-key' | 'contacting-server' | 'unlocking-vault' | 'loading-library';
  /** 0..1 when the stage can tell, else null. */
  readonly fraction: number | null;
}

export type AuthError =
  | { readonly type: 'WrongCredentials' }
  | { readonly type: 'EmailTaken' }
  | { readonly type: 'WeakKdfParams' } // the server offered KDF parameters below the client's floor
  | { readonly type: 'InvalidRecoveryKey' }
  | { readonly type: 'RateLimited'; readonly retryAfterMs: number }
  /** This device's session has ended (signed out from another device, or the password was changed there). */
  | { readonly type: 'SignedOut' }
  | { readonly type: 'Offline' }
  | { readonly type: 'ServerError'; readonly code: string };

export interface Registered {
  /** The 24-word recovery key, shown to the person exactly once and never stored by the UI. */
  readonly recoveryWords: ReadonlyArray<string>;
}

export interface AccountApi {
  getVaultState(): Promise<VaultState>;
  register(
    input: { readonly email: string; readonly password: string },
    onProgress: (progress: KeyDerivationProgress) => void,
  ): Promise<Result<Registered, AuthError>>;
  logIn(
    input: { readonly email: string; readonly password: string },
    onProgress: (progress: KeyDerivationProgress) => void,
  ): Promise<Result<void, AuthError>>;
  unlock(
    password: string,
    onProgress: (progress: KeyDerivationProgress) => void,
  ): Promise<Result<void, AuthError>>;
  /** Wipes keys and every decrypted model and image in the worker. */
  lock(): Promise<void>;
  logOut(): Promise<void>;
  recover(
    input: {
      readonly email: string;
      readonly recoveryWords: ReadonlyArray<string>;
      readonly newPassword: string;
    },
    onProgress: (progress: KeyDerivationProgress) => void,
  ): Promise<Result<void, AuthError>>;
  changePassword(input: {
    readonly currentPassword: string;
    readonly newPassword: string;
  }): Promise<Result<void, AuthError>>;
  /** A new recovery key replaces the old one (which stops working); its words are shown once. */
  rotateRecoveryKey(input: { readonly currentPassword: string }): Promise<Result<Registered, AuthError>>;
}

// ---------------------------------------------------------------- the library

/** Which photos a timeline shows. */
export type LibraryView =
  | { readonly kind: 'all' } // not archived, not trashed
  | { readonly kind: 'favourites' }
  | { readonly kind: 'archive' }
  | { readonly kind: 'trash' }
  | { readonly kind: 'tag'; readonly tagId: TagId }
  | { readonly kind: 'album'; readonly albumId: AlbumId } // in album order, not date order
  | { readonly kind: 'search'; readonly query: string }; // file name, caption, tag and date

/** What a grid cell needs: small enough that 100,000 of them cross the worker boundary in one go. */
export interface PhotoSummary {
  readonly id: PhotoId;
  readonly takenAt: EpochMs;
  /** width / height of the original, for layout before the thumbnail arrives. */
  readonly aspectRatio: number;
  readonly mediaType: 'image' | 'video';
  readonly isFavourite: boolean;
  /** True while the photo only exists locally (uploaded or edited offline, not yet synced). */
  readonly isPending: boolean;
  /**
   * False for a file stored without thumbnails (its device could not decode it); it turns true when another
   * device makes them. See: [Note: Thumbnails made later]
   */
  readonly hasThumbnail: boolean;
}

export interface PhotoDetails extends PhotoSummary {
  readonly fileName: string;
  readonly caption: string;
  readonly mimeType: string;
  readonly sizeBytes: number;
  readonly width: number;
  readonly height: number;
  readonly uploadedAt: EpochMs;
  /** Camera make and model as text, from EXIF. */
  readonly camera: string | null;
  /** Location as text (e.g. "48.8566° N, 2.3522° E"), from EXIF. */
  readonly location: string | null;
  readonly isArchived: boolean;
  readonly trashedAt: EpochMs | null;
  readonly tagIds: ReadonlyArray<TagId>;
  readonly albumIds: ReadonlyArray<AlbumId>;
}

export interface Tag {
  readonly id: TagId;
  readonly name: string;
  readonly photoCount: number;
}

export interface Album {
  readonly id: AlbumId;
  readonly name: string;
  /** The cover shown: the chosen photo while it is in the album, else the album's first; null when empty. */
  readonly coverPhotoId: PhotoId | null;
  readonly photoCount: number;
  readonly updatedAt: EpochMs;
}

export type LibraryError =
  | { readonly type: 'NotFound' }
  | { readonly type: 'DecryptFailed' } // tampered or corrupt data: never shown
  | { readonly type: 'NameTaken' }
  | { readonly type: 'Locked' };

export type MediaError =
  | { readonly type: 'NotFound' }
  | { readonly type: 'DecryptFailed' }
  | { readonly type: 'Offline' } // not cached locally and no network
  | { readonly type: 'Locked' };

export interface LibraryApi {
  listPhotos(view: LibraryView): Promise<ReadonlyArray<PhotoSummary>>;
  getPhoto(id: PhotoId): Promise<Result<PhotoDetails, LibraryError>>;
  /** The decrypted thumbnail; the UI turns it into an object URL and revokes it when the cell leaves the screen. */
  getThumbnail(id: PhotoId): Promise<Result<Blob, MediaError>>;
  /**
   * The thumbnail decoded in the worker and moved to the page, which paints it into a canvas and closes it
   * (the grid's cells). See: [Note: Thumbnails as bitmaps]
   */
  getThumbnailImage(id: PhotoId): Promise<Result<ImageBitmap, MediaError>>;
  /**
   * Several thumbnails from the encrypted cache, read in one go and moved to the page in one message, in the
   * order asked; null for a photo whose thumbnail is not cached (getThumbnailImage downloads it).
   */
  getCachedThumbnailImages(
    ids: ReadonlyArray<PhotoId>,
  ): Promise<ReadonlyArray<Result<ImageBitmap, MediaError> | null>>;
  /** A screen-sized rendition for the viewer (the original when no preview exists). */
  getPreview(id: PhotoId): Promise<Result<Blob, MediaError>>;
  getOriginal(id: PhotoId): Promise<Result<{ readonly blob: Blob; readonly fileName: string }, MediaError>>;
  /**
   * A zip of the originals of a selection, as one Blob: the fallback where `writeOriginalsZip` is not possible.
   * `onProgress` hears how many files are in so far.
   */
  getOriginalsZip(
    ids: ReadonlyArray<PhotoId>,
    onProgress: (filesDone: number) => void,
  ): Promise<Result<Blob, MediaError>>;
  /**
   * Streams the zip straight into a file the person picked (File System Access API), decrypting in the worker
   * as it goes, so memory holds a few chunks at a time whatever the selection's size. On failure the file is
   * left as it was.
   */
  writeOriginalsZip(
    ids: ReadonlyArray<PhotoId>,
    file: FileSystemFileHandle,
    onProgress: (filesDone: number) => void,
  ): Promise<Result<void, MediaError>>;

  editPhoto(
    id: PhotoId,
    changes: { readonly caption?: string; readonly takenAt?: EpochMs },
  ): Promise<Result<void, LibraryError>>;
  setFavourite(ids: ReadonlyArray<PhotoId>, isFavourite: boolean): Promise<Result<void, LibraryError>>;
  setArchived(ids: ReadonlyArray<PhotoId>, isArchived: boolean): Promise<Result<void, LibraryError>>;
  trash(ids: ReadonlyArray<PhotoId>): Promise<Result<void, LibraryError>>;
  restore(ids: ReadonlyArray<PhotoId>): Promise<Result<void, LibraryError>>;
  deleteForever(ids: ReadonlyArray<PhotoId>): Promise<Result<void, LibraryError>>;
  emptyTrash(): Promise<Result<void, LibraryError>>;

  listTags(): Promise<ReadonlyArray<Tag>>;
  createTag(name: string): Promise<Result<Tag, LibraryError>>;
  renameTag(id: TagId, name: string): Promise<Result<void, LibraryError>>;
  deleteTag(id: TagId): Promise<Result<void, LibraryError>>;
  // Argument order as in client-core's library (collection first, then the photos).
  tagPhotos(tagId: TagId, photoIds: ReadonlyArray<PhotoId>): Promise<Result<void, LibraryError>>;
  untagPhotos(tagId: TagId, photoIds: ReadonlyArray<PhotoId>): Promise<Result<void, LibraryError>>;

  listAlbums(): Promise<ReadonlyArray<Album>>;
  createAlbum(name: string): Promise<Result<Album, LibraryError>>;
  renameAlbum(id: AlbumId, name: string): Promise<Result<void, LibraryError>>;
  deleteAlbum(id: AlbumId): Promise<Result<void, LibraryError>>;
  /** null = no chosen cover. */
  setAlbumCover(id: AlbumId, photoId: PhotoId | null): Promise<Result<void, LibraryError>>;
  addToAlbum(id: AlbumId, photoIds: ReadonlyArray<PhotoId>): Promise<Result<void, LibraryError>>;
  removeFromAlbum(id: AlbumId, photoIds: ReadonlyArray<PhotoId>): Promise<Result<void, LibraryError>>;
  /** Moves one photo to `toIndex` in the album's order; the library picks the fractional position. */
  moveInAlbum(id: AlbumId, photoId: PhotoId, toIndex: number): Promise<Result<void, LibraryError>>;
}

// ---------------------------------------------------------------- uploads

export type UploadStatus =
  | 'queued'
  | 'reading' // EXIF, thumbnail
  | 'encrypting'
  | 'uploading'
  | 'waiting-for-network' // encrypted and queued locally, sent when the network returns
  | 'paused'
  | 'done'
  | 'duplicate' // already in the library (keyed content hash); nothing uploaded
  | 'failed'
  | 'cancelled';

export type UploadError =
  | { readonly type: 'UnsupportedType'; readonly mimeType: string }
  | { readonly type: 'Unreadable' }
  | { readonly type: 'QuotaExceeded' }
  | { readonly type: 'ServerError'; readonly code: string };

export interface UploadItem {
  readonly id: UploadId;
  readonly fileName: string;
  /** Folder path inside a picked or dropped folder, '' for loose files. */
  readonly relativePath: string;
  readonly bytesTotal: number;
  readonly bytesDone: number;
  readonly status: UploadStatus;
  readonly error: UploadError | null;
  /** Set once the photo exists in the library (also for duplicates: the existing photo). */
  readonly photoId: PhotoId | null;
}

export interface UploadApi {
  /** Queues files (File is structured-cloneable: the bytes are not copied). Returns their upload ids. */
  addUploads(
    files: ReadonlyArray<{ readonly file: File; readonly relativePath: string }>,
  ): Promise<ReadonlyArray<UploadId>>;
  listUploads(): Promise<ReadonlyArray<UploadItem>>;
  pauseUploads(ids: ReadonlyArray<UploadId> | 'all'): Promise<void>;
  resumeUploads(ids: ReadonlyArray<UploadId> | 'all'): Promise<void>;
  cancelUploads(ids: ReadonlyArray<UploadId> | 'all'): Promise<void>;
  retryUploads(ids: ReadonlyArray<UploadId>): Promise<void>;
  /** Forgets finished, duplicate and cancelled items. */
  clearFinishedUploads(): Promise<void>;
}

// ---------------------------------------------------------------- sync, settings, events

export interface SyncStatus {
  readonly isOnline: boolean;
  readonly isSyncing: boolean;
  /** Operations in the outbox not yet acknowledged by the server. */
  readonly pendingChanges: number;
  readonly lastSyncedAt: EpochMs | null;
  readonly lastError: { readonly type: string } | null;
}

export interface DeviceSession {
  readonly id: SessionId;
  readonly deviceName: string;
  readonly createdAt: EpochMs;
  readonly lastSeenAt: EpochMs;
  readonly isCurrent: boolean;
}

export interface StorageUsage {
  readonly usedBytes: number;
  readonly quotaBytes: number | null;
  readonly photoCount: number;
}

/** The account's own S3 bucket, as the server reports it: never its credentials. */
export interface OwnBucket {
  /** null: AWS's default endpoint for `region`. */
  readonly endpoint: string | null;
  readonly region: string;
  readonly bucket: string;
  readonly forcePathStyle: boolean;
  readonly keyPrefix: string;
  /** When the server's test write last succeeded. */
  readonly checkedAt: EpochMs;
}

/** What the bucket form sends. The secret goes to the server in this one call and is kept nowhere on the device. */
export interface OwnBucketInput {
  /** '' for AWS's default endpoint of `region`. */
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly forcePathStyle: boolean;
  /** '' or ending in "/". */
  readonly keyPrefix: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export type BucketError =
  /** The server's test write with these settings failed; `detail` is its reason. */
  | { readonly type: 'CheckFailed'; readonly detail: string }
  /** This server does not store blobs in users' own buckets. */
  | { readonly type: 'NotAllowed' }
  /** The server refused a field (e.g. an endpoint on a private address). */
  | {
      readonly type: 'Invalid';
      readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>;
    }
  | AuthError;

export interface SettingsApi {
  listSessions(): Promise<Result<ReadonlyArray<DeviceSession>, AuthError>>;
  revokeSession(id: SessionId): Promise<Result<void, AuthError>>;
  getStorageUsage(): Promise<Result<StorageUsage, AuthError>>;
  /** Where new photos go: the account's own bucket, or null for the server's storage. */
  getOwnBucket(): Promise<Result<OwnBucket | null, AuthError>>;
  /** The server checks the bucket with a test write before using it; nothing changes when that fails. */
  registerOwnBucket(input: OwnBucketInput): Promise<Result<OwnBucket, BucketError>>;
  /** New photos go to the server's storage again; photos already in the bucket stay there. */
  removeOwnBucket(): Promise<Result<void, AuthError>>;
  /** null = never lock automatically. */
  getAutoLockMinutes(): Promise<number | null>;
  setAutoLockMinutes(minutes: number | null): Promise<void>;
}

/** Pushed by the worker; the UI re-queries what it shows when the matching part changes. */
export type VaultEvent =
  | { readonly type: 'vaultStateChanged'; readonly state: VaultState }
  | { readonly type: 'libraryChanged'; readonly parts: ReadonlyArray<'photos' | 'tags' | 'albums'> }
  | { readonly type: 'syncStatusChanged'; readonly status: SyncStatus }
  | { readonly type: 'uploadsChanged'; readonly items: ReadonlyArray<UploadItem> };

export interface EventsApi {
  getSyncStatus(): Promise<SyncStatus>;
  /** Resolves once the listener is attached; call the returned function to detach it. */
  subscribe(listener: (event: VaultEvent) => void): Promise<() => void>;
}

/** Everything the screens use. */
export interface VaultClient extends AccountApi, LibraryApi, UploadApi, SettingsApi, EventsApi {}
