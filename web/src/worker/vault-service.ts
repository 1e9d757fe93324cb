/**
 * @module The `VaultClient` the screens use, implemented inside the worker on client-core: the remote API (sign
 * in, the library, sync) plus what the page needs around it: registration with recovery words, decrypted media
 * as Blobs, and the upload queue. Keys, file keys and blob ids never leave this module; the page gets plain view
 * models and decrypted image Blobs. Listener arguments arrive as comlink proxies; unsubscribe functions go back
 * as proxies too.
 */
import {
  type BlobApi,
  type BucketApi,
  backfillThumbnails,
  changeAccountPassword,
  createAuthClient,
  createCanvasThumbnailMaker,
  createContentHashLookup,
  createFetchBlobApi,
  createUploader,
  createVault,
  DEFAULT_KDF_PARAMS,
  deriveContentHashKey,
  deriveUploadStateKey,
  downloadOriginal,
  downloadZip,
  type FileProgress,
  fileSourceFromBlob,
  type GrabVideoFrame,
  type HeifDecoder,
  type LocalStore,
  listAccountSessions,
  loadCachedThumbnails,
  loadThumbnail,
  lockVault,
  openUploadStore,
  type PhotoView,
  prepareKdf,
  type RecoverError,
  recoverAccount,
  rotateAccountRecoveryKey,
  triedPhotosIn,
  type Uploader,
} from '@halyon/client-core';
import {
  createRemoteApi,
  localStoreName,
  type RemotePlatform,
  type RemoteSession,
} from '@halyon/client-core/remote-api';
import { proxy, transfer } from 'comlink';
import type {
  AuthError,
  BucketError,
  KeyDerivationProgress,
  LibraryError,
  LibraryView,
  MediaError,
  OwnBucket,
  PhotoId,
  Result,
  SessionId,
  UploadId,
  UploadItem,
  UploadStatus,
  VaultClient,
  VaultEvent,
  VaultState,
} from '../app/vault-client';
import { countingActivity, createAutoLock } from './auto-lock';
import { decodeImage } from './decode-image';
import { createPendingChanges, type PendingChanges } from './pending-changes';
import {
  forgetAccount,
  readAutoLockMinutes,
  readRememberedAccount,
  rememberAccount,
  rememberAutoLockMinutes,
  rememberedAccounts,
} from './remembered-account';
import { withSnapshotReadAhead } from './snapshot-read-ahead';
import { toAlbum, toPhotoDetails, toPhotoSummary, toSyncStatus, toTag } from './to-view-models';

const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

type SignInError = Extract<
  Awaited<ReturnType<ReturnType<typeof createRemoteApi>['signIn']>>,
  { ok: false }
>['error'];
type TransportError = Extract<SignInError, { type: 'Transport' }>['error'];

const authErrorOfTransport = (error: TransportError): AuthError => {
  if (error.type === 'NetworkFailure') return { type: 'Offline' };
  if (error.type === 'InvalidResponse') return { type: 'ServerError', code: 'invalid_response' };
  if (error.problem.code === 'email_taken') return { type: 'EmailTaken' };
  if (error.problem.code === 'unauthorized' || error.problem.code === 'refresh_token_reused')
    return { type: 'SignedOut' };
  if (error.status === 401 || error.problem.code === 'invalid_credentials')
    return { type: 'WrongCredentials' };
  if (error.status === 429)
    return { type: 'RateLimited', retryAfterMs: (error.problem.retryAfter ?? 60) * 1000 };
  return { type: 'ServerError', code: error.problem.code };
};

const authErrorOf = (error: SignInError): AuthError => {
  switch (error.type) {
    case 'WrongPassword':
      return { type: 'WrongCredentials' };
    case 'KdfRefused':
    case 'InvalidSalt':
      return { type: 'WeakKdfParams' };
    case 'Transport':
      return authErrorOfTransport(error.error);
  }
};

const authErrorOfRecovery = (error: RecoverError): AuthError =>
  error.type === 'InvalidRecoveryPhrase' || error.type === 'WrongRecoveryKey'
    ? { type: 'InvalidRecoveryKey' }
    : authErrorOf(error);

const bucketErrorOf = (error: TransportError): BucketError => {
  if (error.type === 'ProblemResponse') {
    const { code, detail, issues } = error.problem;
    if (code === 'storage_check_failed')
      return { type: 'CheckFailed', detail: detail ?? 'The test write failed.' };
    if (code === 'forbidden') return { type: 'NotAllowed' };
    if (code === 'validation_failed') return { type: 'Invalid', issues: issues ?? [] };
  }
  return authErrorOfTransport(error);
};

const toOwnBucket = (bucket: {
  readonly endpoint: string | null;
  readonly region: string;
  readonly bucket: string;
  readonly forcePathStyle: boolean;
  readonly keyPrefix: string;
  readonly verifiedAt: number;
}): OwnBucket => ({
  endpoint: bucket.endpoint,
  region: bucket.region,
  bucket: bucket.bucket,
  forcePathStyle: bucket.forcePathStyle,
  keyPrefix: bucket.keyPrefix,
  checkedAt: bucket.verifiedAt,
});

/** Settings and the password need the session; the screens showing them exist only while unlocked. */
const NOT_UNLOCKED: AuthError = { type: 'WrongCredentials' };

const UPLOAD_STATUS: Record<FileProgress['status'], UploadStatus> = {
  preparing: 'reading',
  waiting: 'queued',
  sending: 'uploading',
  saving: 'uploading',
  done: 'done',
  duplicate: 'duplicate',
  failed: 'failed',
  cancelled: 'cancelled',
};

const FINISHED: ReadonlySet<FileProgress['status']> = new Set(['done', 'duplicate', 'cancelled']);

const toUploadItem = (file: FileProgress, paused: boolean, relativePath: string): UploadItem => ({
  id: file.jobId as UploadId,
  fileName: file.fileName,
  relativePath,
  bytesTotal: file.totalBytes,
  bytesDone: file.sentBytes,
  status: paused && file.status === 'waiting' ? 'paused' : UPLOAD_STATUS[file.status],
  error:
    file.failure === null
      ? null
      : file.failure.type === 'QuotaExceeded'
        ? { type: 'QuotaExceeded' }
        : file.failure.type === 'SourceGone'
          ? { type: 'Unreadable' }
          : { type: 'ServerError', code: 'code' in file.failure ? file.failure.code : file.failure.type },
  photoId: file.photoId as PhotoId | null,
});

/** Calls the app makes on its own (listeners, status): they do not keep the vault from locking itself. */
const BACKGROUND_CALLS: ReadonlySet<keyof VaultClient> = new Set([
  'subscribe',
  'getSyncStatus',
  'getVaultState',
  'listUploads',
]);

/**
 * The browser makes thumbnails later only for originals up to this size: it downloads them unasked, in the
 * background, and a long video it turns out not to play would cost the whole download. `halyon thumbnails`, run on
 * purpose, goes to 1 GiB.
 */
const BACKFILL_MAX_ORIGINAL_BYTES = 256 * 1024 * 1024;

/** What exists only while the vault is unlocked. */
interface Unlocked {
  readonly session: RemoteSession;
  readonly blobs: BlobApi & BucketApi;
  readonly uploader: Uploader;
  /** Records with changes not yet on the server. */
  readonly pending: PendingChanges;
  /** The photos they touch, as the page was last told. */
  pendingPhotoIds: ReadonlySet<string>;
  /** Settles once the uploads in flight have stopped. */
  readonly stop: () => Promise<void>;
}

export interface VaultServiceDeps {
  /** The API's origin, e.g. the page's own. */
  readonly server: string;
  readonly platform: Omit<RemotePlatform, 'onSession' | 'onServerSignIn' | 'accounts'>;
  /** One frame of a video, from the page (a worker has no <video>); without it videos get no thumbnail. */
  readonly grabVideoFrame?: GrabVideoFrame;
  /** Decodes HEIC the browser cannot; without it such files get no thumbnail. */
  readonly heifDecoder?: HeifDecoder;
}

export const createVaultService = (deps: VaultServiceDeps): VaultClient => {
  const listeners = new Set<(event: VaultEvent) => void>();
  const emit = (event: VaultEvent) => {
    for (const listener of listeners) listener(event);
  };
  let unlocked: Unlocked | null = null;
  let email: string | null = null;
  let uploadsPaused = false;
  let lastSyncedAt: number | null = null;
  /**
   * The folder path the page reported, by batch and file name: a job's id changes once the file is prepared.
   * And the jobs the person cleared from the list.
   */
  const relativePaths = new Map<string, string>();
  const pathKey = (batchId: string, fileName: string) => `${batchId}/${fileName}`;
  const cleared = new Set<string>();
  const uploadItems = () =>
    unlocked?.uploader
      .files()
      .filter((f) => !cleared.has(f.jobId))
      .map((f) => toUploadItem(f, uploadsPaused, relativePaths.get(pathKey(f.batchId, f.fileName)) ?? '')) ??
    [];

  /** Builds media and uploads on a fresh session; sign-in waits for it before reporting success. */
  const openSession = async (session: RemoteSession, account: string) => {
    const blobs = createFetchBlobApi({ baseUrl: deps.server, accessToken: session.accessToken });
    const library = session.client.library;
    const stateKey = deriveUploadStateKey(session.vault.masterKey);
    const thumbnails = createCanvasThumbnailMaker({
      ...(deps.grabVideoFrame ? { grabVideoFrame: deps.grabVideoFrame } : {}),
      ...(deps.heifDecoder ? { heif: deps.heifDecoder } : {}),
    });
    const uploader = createUploader({
      api: blobs,
      state: await openUploadStore(`halyon-uploads-${account}`),
      stateKey,
      contentHashKey: await deriveContentHashKey(session.vault.masterKey),
      thumbnails,
      addPhotos: (photos) => library.addPhotos(photos),
      findPhotoByContentHash: createContentHashLookup(library, session.client.engine),
      network: deps.platform.network,
    });
    /**
     * Thumbnails the library lacks that this browser can make (see: [Note: Thumbnails made later]): after a sync,
     * which only the tab leading the syncing hears of, once the uploads are idle; one run at a time.
     */
    const stopBackfill = new AbortController();
    let backfilling: Promise<void> | null = null;
    const makeMissingThumbnails = () => {
      backfilling ??= (async () => {
        await uploader.whenIdle();
        if (stopBackfill.signal.aborted || !deps.platform.network.isOnline()) return;
        const tried = triedPhotosIn(session.client.store, stateKey, navigator.userAgent);
        const newId = () => crypto.randomUUID();
        await backfillThumbnails(
          { api: blobs, thumbnails, library, tried, newId, maxOriginalBytes: BACKFILL_MAX_ORIGINAL_BYTES },
          stopBackfill.signal,
        );
      })()
        .catch(() => undefined) // tried again after the next sync
        .finally(() => {
          backfilling = null;
        });
    };
    const stopUploads = uploader.subscribe(() => emit({ type: 'uploadsChanged', items: uploadItems() }));
    const stopLibrary = library.watch(
      () => null,
      () => emit({ type: 'libraryChanged', parts: ['photos', 'tags', 'albums'] }),
    );
    const pending = createPendingChanges(session.client.store, () => {
      emit({ type: 'syncStatusChanged', status: syncStatus() });
      // The engine reports a write before the library shows it: map records to photos once it has (a new
      // photo or link is not in the model yet), and re-list the photos only if the marks changed.
      setTimeout(() => {
        if (unlocked?.pending !== pending) return;
        const before = unlocked.pendingPhotoIds;
        const after = pendingPhotoIds();
        if (after.size !== before.size || [...after].some((id) => !before.has(id)))
          emit({ type: 'libraryChanged', parts: ['photos'] });
      });
    });
    const stopEngine = session.client.engine.subscribe((event) => {
      if (event.type === 'localWrite') pending.added(event.keys);
      // Another tab's sync (its records re-read here) may have sent our changes too.
      else if (event.type === 'changes') void pending.recheck();
    });
    // Status reaches only the tab that leads the syncing (client-core's tabs.ts).
    const stopStatus = remote.onStatus((status) => {
      if (status.state === 'idle' && status.lastSync) {
        lastSyncedAt = Date.now();
        void pending.recheck();
        void library.deleteExpiredTrash();
        makeMissingThumbnails();
      }
      emit({ type: 'syncStatusChanged', status: syncStatus() });
    });
    unlocked = {
      session,
      blobs,
      uploader,
      pending,
      pendingPhotoIds: new Set(),
      stop: () => {
        stopUploads();
        stopLibrary();
        stopEngine();
        stopStatus?.();
        stopBackfill.abort();
        return Promise.all([uploader.close(), backfilling]).then(() => undefined);
      },
    };
    await pending.load();
    // Jobs sealed before a reload whose bytes were staged carry on; files never staged report SourceGone.
    void uploader.start();
  };
  let signingInAs = '';
  let opening: Promise<void> = Promise.resolve();

  /**
   * [Note: Warm start read ahead]
   * While the lock screen waits for the password, the remembered account's store is opened and its sealed
   * snapshot pages read, so the unlock finds them in memory and only decrypts them. They are ciphertext, as on
   * disk; used once, by the first unlock that opens that store, and closed if another store is opened instead.
   */
  let readAhead: { readonly name: string; readonly store: Promise<LocalStore> } | null = null;
  const readAheadFor = (userId: string) => {
    const name = localStoreName(userId);
    const store = deps.platform.openStore(name).then(withSnapshotReadAhead);
    store.catch(() => undefined);
    readAhead = { name, store };
  };
  const armReadAhead = async () => {
    // Not validated here (the unlock does that): a wrong id only means a store opened for nothing.
    const account = email ? ((await rememberedAccounts.read(email)) as { userId?: unknown } | null) : null;
    const userId = account?.userId;
    if (typeof userId === 'string' && /^[0-9a-f-]{36}$/i.test(userId) && !unlocked && !readAhead)
      readAheadFor(userId);
  };
  const openStore = (name: string): Promise<LocalStore> => {
    const ahead = readAhead;
    readAhead = null;
    if (ahead?.name === name) return ahead.store.catch(() => deps.platform.openStore(name));
    void ahead?.store.then((store) => store.close()).catch(() => undefined);
    return deps.platform.openStore(name);
  };

  const auth = createAuthClient({ baseUrl: deps.server, fetch: deps.platform.fetch });
  const remote = createRemoteApi({
    ...deps.platform,
    openStore,
    // Unlocking works offline from what this browser remembers; the server session follows (client-core).
    accounts: rememberedAccounts,
    onSession: (session) => {
      const stopped = unlocked?.stop();
      unlocked = null;
      if (session) opening = openSession(session, signingInAs);
      return stopped;
    },
    onServerSignIn: () => emit({ type: 'syncStatusChanged', status: syncStatus() }),
  });

  /** The server refused this unlock's session (password changed elsewhere, or signed out): sync waits for it. */
  const SIGN_IN_REFUSED = { type: 'SignInRefused' } as const;
  const syncStatus = () => {
    const status = toSyncStatus(
      remote.status(),
      navigator.onLine,
      lastSyncedAt,
      unlocked?.pending.count() ?? 0,
    );
    return remote.serverSignIn() === 'refused'
      ? { ...status, isSyncing: false, lastError: SIGN_IN_REFUSED }
      : status;
  };
  const state = (): VaultState =>
    unlocked && email
      ? { status: 'unlocked', email }
      : email
        ? { status: 'locked', email }
        : { status: 'signedOut' };
  const stateChanged = () => emit({ type: 'vaultStateChanged', state: state() });
  const remembered = readRememberedAccount().then((account) => {
    email ??= account?.email ?? null;
  });
  // Every page load starts locked or signed out: the key derivation's memory is made ready while a password is
  // typed (vaults this app creates use the default params). See: [Note: Argon2 memory is faulted in ahead]
  void remembered
    .then(async () => {
      await armReadAhead();
      await prepareKdf(DEFAULT_KDF_PARAMS);
    })
    .catch(() => {});

  const signIn = async (
    address: string,
    password: string,
    onProgress: (progress: KeyDerivationProgress) => void,
  ): Promise<Result<void, AuthError>> => {
    onProgress({ stage: 'deriving-key', fraction: null });
    signingInAs = address;
    const signedIn = await remote.signIn(deps.server, address, password);
    if (!signedIn.ok) return err(authErrorOf(signedIn.error));
    await opening;
    onProgress({ stage: 'loading-library', fraction: null });
    email = address;
    await rememberAccount({ email: address });
    stateChanged();
    return ok(undefined);
  };

  const lockNow = async () => {
    autoLock.stop();
    // Ends the server session too (client-core: one session per unlock, none left behind in the devices list).
    await remote.lock();
    stateChanged();
    void armReadAhead().catch(() => undefined);
  };
  const autoLock = createAutoLock({ lock: () => void lockNow() });
  const autoLockLoaded = readAutoLockMinutes()
    .then((minutes) => {
      if (minutes === undefined) return;
      autoLock.setMinutes(minutes);
      // Counting starts with the first call after unlocking.
      if (!unlocked) autoLock.stop();
    })
    // Unreadable (storage blocked): start at "never", as on a first visit.
    .catch(() => undefined);

  const library = () => unlocked?.session.client.library ?? null;
  /** The photos with changes not synced yet, now; what the page is given is remembered. */
  const pendingPhotoIds = (): ReadonlySet<string> => {
    if (!unlocked) return new Set();
    unlocked.pendingPhotoIds = unlocked.session.client.library.queries.photoIdsOf(
      unlocked.pending.recordIds(),
    );
    return unlocked.pendingPhotoIds;
  };
  const photoOf = (id: PhotoId): PhotoView | undefined => library()?.queries.photo(id);
  const command = async (run: (lib: NonNullable<ReturnType<typeof library>>) => Promise<unknown>) => {
    const lib = library();
    if (!lib) return err<LibraryError>({ type: 'Locked' });
    await run(lib);
    return ok(undefined);
  };

  /** A thumbnail's or preview's decrypted bytes (encrypted cache, else the server); null when it has none. */
  const mediaBytes = async (
    id: PhotoId,
    which: 'thumbnail' | 'preview',
  ): Promise<Result<{ readonly photo: PhotoView; readonly bytes: Uint8Array | null }, MediaError>> => {
    const photo = photoOf(id);
    if (!unlocked) return err({ type: 'Locked' });
    if (!photo) return err({ type: 'NotFound' });
    const loaded = await loadThumbnail(
      { api: unlocked.blobs, thumbnailCache: unlocked.session.client.store },
      photo,
      which,
    );
    if (!loaded.ok)
      return err(loaded.error.type === 'DecryptFailed' ? { type: 'DecryptFailed' } : { type: 'Offline' });
    return ok({ photo, bytes: loaded.value });
  };

  const media = async (id: PhotoId, which: 'thumbnail' | 'preview'): Promise<Result<Blob, MediaError>> => {
    const loaded = await mediaBytes(id, which);
    if (!loaded.ok) return loaded;
    const { photo, bytes } = loaded.value;
    if (bytes) return ok(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
    if (!unlocked) return err({ type: 'Locked' });
    if (which === 'thumbnail') return err({ type: 'NotFound' });
    const original = await downloadOriginal({ api: unlocked.blobs }, photo);
    if (!original.ok) return err({ type: 'Offline' });
    return ok(await new Response(original.value.stream, { headers: { 'content-type': photo.mime } }).blob());
  };

  const zipOf = (
    ids: ReadonlyArray<PhotoId>,
    onProgress: (filesDone: number) => void,
  ): Result<ReadableStream<Uint8Array>, MediaError> => {
    if (!unlocked) return err({ type: 'Locked' });
    const photos = ids.map(photoOf).filter((p): p is PhotoView => p !== undefined);
    if (photos.length !== ids.length) return err({ type: 'NotFound' });
    return ok(downloadZip({ api: unlocked.blobs }, photos, undefined, onProgress));
  };

  const service: VaultClient = {
    // ---------------------------------------------------------------- accounts
    async getVaultState() {
      await remembered;
      return state();
    },
    async register(input, onProgress) {
      onProgress({ stage: 'deriving-key', fraction: null });
      const address = input.email.trim().toLowerCase();
      const created = await createVault(input.password, address);
      if (!created.ok) return err({ type: 'WeakKdfParams' });
      const { vault, envelope, identityBundle, authKeyB64, recoveryAuthKeyB64, recoveryWords } =
        created.value;
      lockVault(vault);
      onProgress({ stage: 'contacting-server', fraction: null });
      const registered = await auth.register({
        email: address,
        authKey: authKeyB64,
        recoveryAuthKey: recoveryAuthKeyB64,
        vault: envelope,
        identity: identityBundle,
      });
      if (!registered.ok) return err(authErrorOfTransport(registered.error));
      const signedIn = await signIn(address, input.password, onProgress);
      return signedIn.ok ? ok({ recoveryWords }) : signedIn;
    },
    logIn: (input, onProgress) => signIn(input.email.trim().toLowerCase(), input.password, onProgress),
    async unlock(password, onProgress) {
      await remembered;
      if (!email) return err({ type: 'WrongCredentials' });
      return signIn(email, password, onProgress);
    },
    lock: lockNow,
    async logOut() {
      autoLock.stop();
      // Ends the session on the server too; when offline or locked, the session expires there on its own.
      await remote.signOut();
      const signedOut = email;
      email = null;
      if (signedOut) await forgetAccount(signedOut);
      stateChanged();
    },
    async recover(input, onProgress) {
      onProgress({ stage: 'deriving-key', fraction: null });
      const address = input.email.trim().toLowerCase();
      const recovered = await recoverAccount(
        auth,
        address,
        input.recoveryWords,
        input.newPassword,
        deps.platform.deviceName,
      );
      if (!recovered.ok) return err(authErrorOfRecovery(recovered.error));
      lockVault(recovered.value.vault);
      // The server answered with a session of its own; this worker opens its sessions through sign-in (which
      // builds the library, sync and uploads on it), so it ends that one rather than keep two for one device.
      const { accessToken } = recovered.value.login;
      await auth.logout(async () => accessToken);
      return signIn(address, input.newPassword, onProgress);
    },
    async changePassword(input) {
      if (!unlocked) return err(NOT_UNLOCKED);
      const { session } = unlocked;
      const changed = await changeAccountPassword(
        auth,
        session.accessToken,
        session.vault,
        input.currentPassword,
        input.newPassword,
      );
      if (!changed.ok) return err(authErrorOf(changed.error));
      // The next unlock, offline too, takes the new password.
      await remote.rememberPasswordWrap(changed.value);
      return ok(undefined);
    },
    async rotateRecoveryKey(input) {
      if (!unlocked) return err(NOT_UNLOCKED);
      const { session } = unlocked;
      const rotated = await rotateAccountRecoveryKey(
        auth,
        session.accessToken,
        session.vault,
        input.currentPassword,
      );
      return rotated.ok
        ? ok({ recoveryWords: rotated.value.recoveryWords })
        : err(authErrorOf(rotated.error));
    },

    // ---------------------------------------------------------------- the library
    async listPhotos(view: LibraryView) {
      const q = library()?.queries;
      if (!q) return [];
      const photos =
        view.kind === 'all'
          ? q.timeline().flatMap((day) => day.photos)
          : view.kind === 'favourites'
            ? q.favourites()
            : view.kind === 'archive'
              ? q.archive()
              : view.kind === 'trash'
                ? q.trash()
                : view.kind === 'tag'
                  ? q.byTag(view.tagId)
                  : view.kind === 'album'
                    ? q.byAlbum(view.albumId)
                    : q.search(view.query);
      const pendingIds = pendingPhotoIds();
      return photos.map((photo) => toPhotoSummary(photo, pendingIds.has(photo.id)));
    },
    async getPhoto(id) {
      const q = library()?.queries;
      if (!q) return err({ type: 'Locked' });
      const photo = q.photo(id);
      if (!photo) return err({ type: 'NotFound' });
      const albumIds = q
        .albums()
        .filter((album) => q.byAlbum(album.id).some((p) => p.id === id))
        .map((album) => album.id);
      // Records carry no upload time; the taken-at date stands in for it.
      return ok(toPhotoDetails(photo, albumIds, photo.takenAt, pendingPhotoIds().has(id)));
    },
    getThumbnail: (id) => media(id, 'thumbnail'),
    getThumbnailImage: async (id) => {
      const loaded = await mediaBytes(id, 'thumbnail');
      if (!loaded.ok) return loaded;
      if (!loaded.value.bytes) return err({ type: 'NotFound' });
      const image = await decodeImage(loaded.value.bytes, 'image/jpeg');
      loaded.value.bytes.fill(0);
      if (!image) return err({ type: 'DecryptFailed' });
      // Moved to the page, not copied: the worker keeps no decoded image.
      return transfer(ok(image), [image]);
    },
    async getCachedThumbnailImages(ids) {
      if (!unlocked) return ids.map(() => err({ type: 'Locked' }));
      const photos = ids.map(photoOf);
      const known = photos.filter((photo): photo is PhotoView => photo !== undefined);
      const loaded = await loadCachedThumbnails({ thumbnailCache: unlocked.session.client.store }, known);
      const loadedByPhoto = new Map(known.map((photo, i) => [photo, loaded[i]]));
      // Decrypted and decoded side by side: the decodes run on the browser's image threads.
      const results = await Promise.all(
        photos.map(async (photo): Promise<Result<ImageBitmap, MediaError> | null> => {
          if (!photo) return err({ type: 'NotFound' });
          const bytes = loadedByPhoto.get(photo);
          if (bytes === undefined) return null;
          if (!bytes.ok) return err({ type: 'DecryptFailed' });
          if (!bytes.value) return err({ type: 'NotFound' });
          const image = await decodeImage(bytes.value, 'image/jpeg');
          bytes.value.fill(0);
          return image ? ok(image) : err({ type: 'DecryptFailed' });
        }),
      );
      // One message moves every bitmap to the page; the worker keeps none.
      const images = results.flatMap((result) => (result?.ok ? [result.value] : []));
      return transfer(results, images);
    },
    getPreview: (id) => media(id, 'preview'),
    async getOriginal(id) {
      const photo = photoOf(id);
      if (!unlocked) return err({ type: 'Locked' });
      if (!photo) return err({ type: 'NotFound' });
      const original = await downloadOriginal({ api: unlocked.blobs }, photo);
      if (!original.ok)
        return err(original.error.type === 'DecryptFailed' ? { type: 'DecryptFailed' } : { type: 'Offline' });
      const blob = await new Response(original.value.stream, {
        headers: { 'content-type': photo.mime },
      }).blob();
      return ok({ blob, fileName: photo.fileName });
    },
    async getOriginalsZip(ids, onProgress) {
      const zip = zipOf(ids, onProgress);
      if (!zip.ok) return zip;
      try {
        return ok(await new Response(zip.value).blob());
      } catch {
        return err({ type: 'Offline' });
      }
    },
    async writeOriginalsZip(ids, file, onProgress) {
      const zip = zipOf(ids, onProgress);
      if (!zip.ok) return zip;
      try {
        // pipeTo aborts the writable on a failed photo, which discards the partly written file.
        await zip.value.pipeTo(await file.createWritable());
        return ok(undefined);
      } catch {
        return err({ type: 'Offline' });
      }
    },

    editPhoto: (id, changes) =>
      command(async (lib) => {
        if (changes.caption !== undefined) await lib.setCaption(id, changes.caption);
        if (changes.takenAt !== undefined) await lib.setDate([id], changes.takenAt);
      }),
    setFavourite: (ids, isFavourite) => command((lib) => lib.setFavourite(ids, isFavourite)),
    setArchived: (ids, isArchived) => command((lib) => lib.setArchived(ids, isArchived)),
    trash: (ids) => command((lib) => lib.trash(ids)),
    restore: (ids) => command((lib) => lib.restore(ids)),
    deleteForever: (ids) => command((lib) => lib.deleteForever(ids)),
    emptyTrash: () => command((lib) => lib.emptyTrash()),

    async listTags() {
      return library()?.queries.tags().map(toTag) ?? [];
    },
    async createTag(name) {
      const lib = library();
      if (!lib) return err({ type: 'Locked' });
      if (lib.queries.tags().some((t) => t.name.toLowerCase() === name.toLowerCase()))
        return err({ type: 'NameTaken' });
      const id = await lib.createTag(name);
      const tag = lib.queries.tags().find((t) => t.id === id);
      return tag ? ok(toTag(tag)) : err({ type: 'NotFound' });
    },
    renameTag: (id, name) => command((lib) => lib.renameTag(id, name)),
    deleteTag: (id) => command((lib) => lib.deleteTag(id)),
    tagPhotos: (tagId, photoIds) => command((lib) => lib.tagPhotos(tagId, photoIds)),
    untagPhotos: (tagId, photoIds) => command((lib) => lib.untagPhotos(tagId, photoIds)),

    async listAlbums() {
      // Album records carry no edit time; 0 sorts them by name in the UI.
      return (
        library()
          ?.queries.albums()
          .map((a) => toAlbum(a, 0)) ?? []
      );
    },
    async createAlbum(name) {
      const lib = library();
      if (!lib) return err({ type: 'Locked' });
      const id = await lib.createAlbum(name);
      const album = lib.queries.albums().find((a) => a.id === id);
      return album ? ok(toAlbum(album, 0)) : err({ type: 'NotFound' });
    },
    renameAlbum: (id, name) => command((lib) => lib.renameAlbum(id, name)),
    deleteAlbum: (id) => command((lib) => lib.deleteAlbum(id)),
    setAlbumCover: (id, photoId) => command((lib) => lib.setAlbumCover(id, photoId)),
    addToAlbum: (id, photoIds) => command((lib) => lib.addToAlbum(id, photoIds)),
    removeFromAlbum: (id, photoIds) => command((lib) => lib.removeFromAlbum(id, photoIds)),
    moveInAlbum: (id, photoId, toIndex) => command((lib) => lib.moveInAlbum(id, photoId, toIndex)),

    // ---------------------------------------------------------------- uploads
    async addUploads(files) {
      if (!unlocked) return [];
      const { uploader } = unlocked;
      const batchId = uploader.add(files.map(({ file }) => fileSourceFromBlob(file, file.name)));
      for (const { file, relativePath } of files)
        relativePaths.set(pathKey(batchId, file.name), relativePath);
      // The ids of the queued entries; the uploader gives each file a new id once it is prepared.
      return uploader
        .files()
        .filter((f) => f.batchId === batchId)
        .map((f) => f.jobId as UploadId);
    },
    listUploads: async () => uploadItems(),
    async pauseUploads() {
      uploadsPaused = true;
      unlocked?.uploader.pause();
    },
    async resumeUploads() {
      uploadsPaused = false;
      unlocked?.uploader.resume();
    },
    async cancelUploads(ids) {
      const uploader = unlocked?.uploader;
      if (!uploader) return;
      const targets = ids === 'all' ? uploader.files().map((f) => f.jobId) : ids;
      await Promise.all(targets.map((id) => uploader.cancel(id)));
    },
    async retryUploads(ids) {
      const uploader = unlocked?.uploader;
      if (uploader) await Promise.all(ids.map((id) => uploader.retry(id)));
    },
    async clearFinishedUploads() {
      // The queue keeps finished entries for the session; the list hides them.
      for (const file of unlocked?.uploader.files() ?? [])
        if (FINISHED.has(file.status)) cleared.add(file.jobId);
      emit({ type: 'uploadsChanged', items: uploadItems() });
    },

    // ---------------------------------------------------------------- settings
    async listSessions() {
      if (!unlocked) return err(NOT_UNLOCKED);
      const listed = await listAccountSessions(auth, unlocked.session.accessToken);
      if (!listed.ok) return err(authErrorOfTransport(listed.error));
      return ok(
        listed.value.map((s) => ({
          id: s.id as SessionId,
          deviceName: s.deviceName ?? 'Unnamed device',
          createdAt: s.createdAt,
          lastSeenAt: s.lastUsedAt,
          isCurrent: s.current,
        })),
      );
    },
    async revokeSession(id) {
      if (!unlocked) return err(NOT_UNLOCKED);
      const revoked = await auth.revokeSession(unlocked.session.accessToken, id);
      return revoked.ok ? ok(undefined) : err(authErrorOfTransport(revoked.error));
    },
    async getStorageUsage() {
      if (!unlocked) return err(NOT_UNLOCKED);
      const response = await fetch(`${deps.server}/v1/blobs/usage`, {
        headers: { Authorization: `Bearer ${await unlocked.session.accessToken()}` },
      }).catch(() => null);
      if (!response?.ok) return err({ type: 'Offline' });
      const usage = (await response.json()) as { usedBytes?: unknown; quotaBytes?: unknown };
      if (typeof usage.usedBytes !== 'number' || typeof usage.quotaBytes !== 'number')
        return err({ type: 'ServerError', code: 'invalid_response' });
      const photoCount =
        library()
          ?.queries.timeline()
          .reduce((n, day) => n + day.photos.length, 0) ?? 0;
      return ok({ usedBytes: usage.usedBytes, quotaBytes: usage.quotaBytes, photoCount });
    },
    async getOwnBucket() {
      if (!unlocked) return err(NOT_UNLOCKED);
      const answer = await unlocked.blobs.getBucket();
      if (!answer.ok) return err(authErrorOfTransport(answer.error));
      return ok(answer.value && toOwnBucket(answer.value));
    },
    async registerOwnBucket(input) {
      if (!unlocked) return err(NOT_UNLOCKED);
      // The secret is only passed on: not logged, not stored, not part of the answer.
      const answer = await unlocked.blobs.registerBucket({
        ...(input.endpoint === '' ? {} : { endpoint: input.endpoint }),
        region: input.region,
        bucket: input.bucket,
        forcePathStyle: input.forcePathStyle,
        keyPrefix: input.keyPrefix,
        accessKeyId: input.accessKeyId,
        secretAccessKey: input.secretAccessKey,
      });
      return answer.ok ? ok(toOwnBucket(answer.value)) : err(bucketErrorOf(answer.error));
    },
    async removeOwnBucket() {
      if (!unlocked) return err(NOT_UNLOCKED);
      const removed = await unlocked.blobs.removeBucket();
      return removed.ok ? ok(undefined) : err(authErrorOfTransport(removed.error));
    },
    async getAutoLockMinutes() {
      await autoLockLoaded;
      return autoLock.minutes();
    },
    async setAutoLockMinutes(minutes) {
      autoLock.setMinutes(minutes);
      await rememberAutoLockMinutes(minutes);
    },

    // ---------------------------------------------------------------- events
    getSyncStatus: async () => syncStatus(),
    async subscribe(listener) {
      listeners.add(listener);
      return proxy(() => void listeners.delete(listener));
    },
  };
  return countingActivity(service, autoLock.touch, BACKGROUND_CALLS);
};
