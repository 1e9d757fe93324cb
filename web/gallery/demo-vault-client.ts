/**
 * @module DEV-ONLY demo data source: an in-memory `VaultClient` with generated photos, for screenshots and UI
 * tests of the gallery build. It encrypts nothing, stores nothing and is never part of the production build
 * (only gallery/main.tsx imports it). Some names are script payloads on purpose: the UI must show them as text.
 */

import type {
  Album,
  AlbumId,
  KeyDerivationProgress,
  OwnBucket,
  PhotoDetails,
  PhotoId,
  PhotoSummary,
  Result,
  SyncStatus,
  Tag,
  TagId,
  UploadId,
  UploadItem,
  VaultClient,
  VaultEvent,
  VaultState,
} from '../src/app/vault-client';

export interface DemoScene {
  readonly photoCount: number;
  readonly initialState: VaultState['status'];
  readonly withUploads: boolean;
}

/** Names that would run script if anything rendered them as HTML. */
export const HOSTILE_ALBUM_NAME = '<img src=x onerror="window.__pwned=1">Summer';
export const HOSTILE_FILE_NAME = '<script>window.__pwned=1</script>beach.jpg';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const DEMO_EMAIL = 'ada@example.org';
const RECOVERY_WORDS = (
  'harbor lantern quiet meadow copper violet anchor drift maple orbit pebble signal ' +
  'tundra velvet willow amber canyon ember falcon glacier horizon island jasmine kestrel'
).split(' ');

const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
const notFound = { ok: false, error: { type: 'NotFound' } } as const;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small deterministic generator (mulberry32), so every run shows the same library. */
const makeRandom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

interface DemoPhoto {
  summary: PhotoSummary;
  fileName: string;
  caption: string;
  hue: number;
  isArchived: boolean;
  trashedAt: number | null;
  tagIds: TagId[];
  albumIds: AlbumId[];
}

const generatePhotos = (count: number): DemoPhoto[] => {
  const random = makeRandom(42);
  const photos: DemoPhoto[] = [];
  let takenAt = NOW - 3_600_000;
  for (let i = 0; i < count; i++) {
    // Bursts of photos on some days, gaps between: like a real camera roll.
    takenAt -= random() < 0.82 ? Math.floor(random() * 3_600_000) : Math.floor(random() * 9 * DAY_MS);
    const id = `p${String(i).padStart(6, '0')}` as PhotoId;
    const aspects = [4 / 3, 3 / 4, 16 / 9, 1];
    photos.push({
      summary: {
        id,
        takenAt,
        aspectRatio: aspects[Math.floor(random() * aspects.length)]!,
        mediaType: random() < 0.06 ? 'video' : 'image',
        isFavourite: random() < 0.05,
        isPending: i < 3,
        hasThumbnail: true,
      },
      fileName: i === 1 ? HOSTILE_FILE_NAME : `IMG_${String(20000 + i)}.jpg`,
      caption: i === 0 ? 'Sunset over the harbour' : '',
      hue: Math.floor(random() * 360),
      isArchived: random() < 0.01,
      trashedAt: random() < 0.005 ? NOW - DAY_MS : null,
      tagIds: [],
      albumIds: [],
    });
  }
  return photos;
};

/**
 * A thumbnail drawn from numbers only (no names), as a JPEG like real thumbnails: browsers decode JPEG off the
 * main thread, SVG not, so an SVG demo would measure the demo instead of the grid. One per hue band, cached.
 */
const thumbnailsByBand = new Map<number, Promise<Blob>>();
const HUE_BANDS = 24;

const drawThumbnail = (hue: number): Promise<Blob> => {
  const canvas = new OffscreenCanvas(256, 256);
  const context = canvas.getContext('2d')!;
  const sky = context.createLinearGradient(0, 0, 0, 256);
  sky.addColorStop(0, `hsl(${hue} 55% 72%)`);
  sky.addColorStop(1, `hsl(${(hue + 40) % 360} 45% 38%)`);
  context.fillStyle = sky;
  context.fillRect(0, 0, 256, 256);
  context.fillStyle = `hsl(${(hue + 180) % 360} 80% 85%)`;
  context.beginPath();
  context.arc(70 + (hue % 120), 88, 28, 0, Math.PI * 2);
  context.fill();
  context.fillStyle = `hsl(${(hue + 40) % 360} 35% 24%)`;
  context.beginPath();
  context.moveTo(0, 180);
  context.quadraticCurveTo(64, 140, 128, 175);
  context.quadraticCurveTo(192, 205, 256, 165);
  context.lineTo(256, 256);
  context.lineTo(0, 256);
  context.fill();
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
};

const thumbnailFor = (hue: number): Promise<Blob> => {
  const band = Math.floor((hue / 360) * HUE_BANDS) % HUE_BANDS;
  let blob = thumbnailsByBand.get(band);
  if (!blob) {
    blob = drawThumbnail((band * 360) / HUE_BANDS);
    thumbnailsByBand.set(band, blob);
  }
  return blob;
};

export const createDemoVaultClient = (scene: DemoScene): VaultClient => {
  const photos = generatePhotos(Math.max(0, Math.min(scene.photoCount, 200_000)));
  const photosById = new Map(photos.map((p) => [p.summary.id, p]));
  const listeners = new Set<(event: VaultEvent) => void>();
  let state: VaultState =
    scene.initialState === 'signedOut'
      ? { status: 'signedOut' }
      : { status: scene.initialState, email: DEMO_EMAIL };
  const tags: { -readonly [K in keyof Tag]: Tag[K] }[] = [
    { id: 't1' as TagId, name: 'Family', photoCount: 0 },
    { id: 't2' as TagId, name: 'Travel', photoCount: 0 },
    { id: 't3' as TagId, name: '"><svg onload=alert(1)>', photoCount: 0 },
  ];
  /** The demo checks a bucket like the server would, without a network: a secret of "wrong" fails the check. */
  let ownBucket: OwnBucket | null = null;
  const albums: { -readonly [K in keyof Album]: Album[K] }[] = [
    {
      id: 'a1' as AlbumId,
      name: 'Lisbon 2026',
      coverPhotoId: photos[4]?.summary.id ?? null,
      photoCount: 0,
      updatedAt: NOW,
    },
    {
      id: 'a2' as AlbumId,
      name: HOSTILE_ALBUM_NAME,
      coverPhotoId: photos[9]?.summary.id ?? null,
      photoCount: 0,
      updatedAt: NOW,
    },
    { id: 'a3' as AlbumId, name: 'Garden', coverPhotoId: null, photoCount: 0, updatedAt: NOW },
  ];
  photos.forEach((photo, i) => {
    if (i % 7 === 0) photo.tagIds.push('t1' as TagId);
    if (i % 11 === 0) photo.tagIds.push('t2' as TagId);
    if (i < 40 && i % 2 === 0) photo.albumIds.push('a1' as AlbumId);
    if (i >= 8 && i < 14) photo.albumIds.push('a2' as AlbumId);
  });
  /** Each album's photos in its own order, and the cover chosen for it (if any). */
  const albumOrder = new Map(
    albums.map((a) => [a.id, photos.filter((p) => p.albumIds.includes(a.id)).map((p) => p.summary.id)]),
  );
  const chosenCovers = new Map<AlbumId, PhotoId>(
    albums.flatMap((a) => (a.coverPhotoId ? [[a.id, a.coverPhotoId] as const] : [])),
  );
  const isLive = (id: PhotoId) => photosById.get(id)?.trashedAt === null;
  const recount = (): void => {
    for (const tag of tags) tag.photoCount = photos.filter((p) => p.tagIds.includes(tag.id)).length;
    for (const album of albums) {
      const ids = (albumOrder.get(album.id) ?? []).filter(isLive);
      const chosen = chosenCovers.get(album.id);
      album.photoCount = ids.length;
      album.coverPhotoId = chosen && ids.includes(chosen) ? chosen : (ids[0] ?? null);
    }
  };
  recount();

  let uploads: UploadItem[] = scene.withUploads
    ? [
        { name: 'IMG_3001.jpg', total: 4_200_000, done: 4_200_000, status: 'done' as const },
        { name: 'IMG_3002.jpg', total: 3_900_000, done: 2_100_000, status: 'uploading' as const },
        { name: 'IMG_3003.heic', total: 2_500_000, done: 0, status: 'queued' as const },
        { name: 'VID_3004.mp4', total: 48_000_000, done: 12_000_000, status: 'paused' as const },
        { name: 'IMG_2990.jpg', total: 3_100_000, done: 0, status: 'duplicate' as const },
        { name: 'notes.pdf', total: 90_000, done: 0, status: 'failed' as const },
      ].map((u, i) => ({
        id: `u${i}` as UploadId,
        fileName: u.name,
        relativePath: i < 2 ? 'Lisbon' : '',
        bytesTotal: u.total,
        bytesDone: u.done,
        status: u.status,
        error: u.status === 'failed' ? { type: 'UnsupportedType', mimeType: 'application/pdf' } : null,
        photoId: null,
      }))
    : [];

  const syncStatus: SyncStatus = {
    isOnline: true,
    isSyncing: false,
    pendingChanges: 3,
    lastSyncedAt: Date.now() - 4 * 60_000,
    lastError: null,
  };

  const emit = (event: VaultEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const setState = (next: VaultState): void => {
    state = next;
    emit({ type: 'vaultStateChanged', state });
  };
  const photosChanged = (): Result<void, never> => {
    emit({ type: 'libraryChanged', parts: ['photos'] });
    return ok(undefined);
  };
  const update = (ids: ReadonlyArray<PhotoId>, change: (photo: DemoPhoto) => void): Result<void, never> => {
    for (const id of ids) {
      const photo = photosById.get(id);
      if (photo) change(photo);
    }
    return photosChanged();
  };
  const deriveKeys = async (onProgress: (p: KeyDerivationProgress) => void): Promise<void> => {
    for (const stage of [
      'deriving-key',
      'contacting-server',
      'unlocking-vault',
      'loading-library',
    ] as const) {
      onProgress({ stage, fraction: null });
      await wait(150);
    }
  };
  const setUploads = (next: UploadItem[]): void => {
    uploads = next;
    emit({ type: 'uploadsChanged', items: uploads });
  };
  const changeUploads = (ids: ReadonlyArray<UploadId> | 'all', change: (u: UploadItem) => UploadItem) =>
    setUploads(uploads.map((u) => (ids === 'all' || ids.includes(u.id) ? change(u) : u)));

  const inView = (photo: DemoPhoto, view: Parameters<VaultClient['listPhotos']>[0]): boolean => {
    if (view.kind === 'trash') return photo.trashedAt !== null;
    if (photo.trashedAt !== null) return false;
    switch (view.kind) {
      case 'all':
        return !photo.isArchived;
      case 'favourites':
        return photo.summary.isFavourite;
      case 'archive':
        return photo.isArchived;
      case 'tag':
        return photo.tagIds.includes(view.tagId);
      case 'album':
        return photo.albumIds.includes(view.albumId);
      case 'search': {
        const query = view.query.trim().toLowerCase();
        return query !== '' && `${photo.fileName} ${photo.caption}`.toLowerCase().includes(query);
      }
    }
  };

  const details = (photo: DemoPhoto): PhotoDetails => ({
    ...photo.summary,
    fileName: photo.fileName,
    caption: photo.caption,
    mimeType: photo.summary.mediaType === 'video' ? 'video/mp4' : 'image/jpeg',
    sizeBytes: 2_000_000 + ((photo.hue * 9_973) % 3_000_000),
    width: 4032,
    height: Math.round(4032 / photo.summary.aspectRatio),
    uploadedAt: photo.summary.takenAt + 3_600_000,
    camera: 'Pixel 9 Pro',
    location: '38.7223° N, 9.1393° W',
    isArchived: photo.isArchived,
    trashedAt: photo.trashedAt,
    tagIds: photo.tagIds,
    albumIds: photo.albumIds,
  });

  const thumbnailImageOf = async (id: PhotoId) => {
    const photo = photosById.get(id);
    return photo ? ok(await createImageBitmap(await thumbnailFor(photo.hue))) : notFound;
  };

  return {
    getVaultState: async () => state,
    register: async (_input, onProgress) => {
      await deriveKeys(onProgress);
      setState({ status: 'unlocked', email: DEMO_EMAIL });
      return ok({ recoveryWords: RECOVERY_WORDS });
    },
    logIn: async (input, onProgress) => {
      await deriveKeys(onProgress);
      if (input.password !== 'correct horse battery staple')
        return { ok: false, error: { type: 'WrongCredentials' } };
      setState({ status: 'unlocked', email: input.email });
      return ok(undefined);
    },
    unlock: async (password, onProgress) => {
      await deriveKeys(onProgress);
      if (password !== 'correct horse battery staple')
        return { ok: false, error: { type: 'WrongCredentials' } };
      setState({ status: 'unlocked', email: DEMO_EMAIL });
      return ok(undefined);
    },
    lock: async () => setState({ status: 'locked', email: DEMO_EMAIL }),
    logOut: async () => setState({ status: 'signedOut' }),
    recover: async (input, onProgress) => {
      await deriveKeys(onProgress);
      if (input.recoveryWords.join(' ') !== RECOVERY_WORDS.join(' ')) {
        return { ok: false, error: { type: 'InvalidRecoveryKey' } };
      }
      setState({ status: 'unlocked', email: input.email });
      return ok(undefined);
    },
    changePassword: async (input) =>
      input.currentPassword === 'correct horse battery staple'
        ? ok(undefined)
        : { ok: false, error: { type: 'WrongCredentials' } },
    rotateRecoveryKey: async (input) =>
      input.currentPassword === 'correct horse battery staple'
        ? ok({ recoveryWords: [...RECOVERY_WORDS].reverse() })
        : { ok: false, error: { type: 'WrongCredentials' } },

    listPhotos: async (view) =>
      view.kind === 'album'
        ? (albumOrder.get(view.albumId) ?? []).filter(isLive).map((id) => photosById.get(id)!.summary)
        : photos.filter((p) => inView(p, view)).map((p) => p.summary),
    getPhoto: async (id) => {
      const photo = photosById.get(id);
      return photo ? ok(details(photo)) : notFound;
    },
    getThumbnail: async (id) => {
      const photo = photosById.get(id);
      return photo ? ok(await thumbnailFor(photo.hue)) : notFound;
    },
    getThumbnailImage: (id) => thumbnailImageOf(id),
    getCachedThumbnailImages: (ids) => Promise.all(ids.map(thumbnailImageOf)),
    getPreview: async (id) => {
      const photo = photosById.get(id);
      return photo ? ok(await thumbnailFor(photo.hue)) : notFound;
    },
    getOriginal: async (id) => {
      const photo = photosById.get(id);
      return photo ? ok({ blob: await thumbnailFor(photo.hue), fileName: `${photo.fileName}` }) : notFound;
    },
    getOriginalsZip: async () => ({ ok: false, error: { type: 'Offline' } }),
    writeOriginalsZip: async () => ({ ok: false, error: { type: 'Offline' } }),
    editPhoto: async (id, changes) =>
      update([id], (p) => {
        if (changes.caption !== undefined) p.caption = changes.caption;
        if (changes.takenAt !== undefined) {
          p.summary = { ...p.summary, takenAt: changes.takenAt };
          photos.sort((a, b) => b.summary.takenAt - a.summary.takenAt);
        }
      }),
    setFavourite: async (ids, isFavourite) => update(ids, (p) => (p.summary = { ...p.summary, isFavourite })),
    setArchived: async (ids, isArchived) => update(ids, (p) => (p.isArchived = isArchived)),
    trash: async (ids) => update(ids, (p) => (p.trashedAt = Date.now())),
    restore: async (ids) => update(ids, (p) => (p.trashedAt = null)),
    deleteForever: async (ids) => {
      for (const id of ids) {
        const index = photos.findIndex((p) => p.summary.id === id);
        if (index >= 0) photos.splice(index, 1);
        photosById.delete(id);
      }
      return photosChanged();
    },
    emptyTrash: async () => {
      for (let i = photos.length - 1; i >= 0; i--) {
        const photo = photos[i]!;
        if (photo.trashedAt === null) continue;
        photos.splice(i, 1);
        photosById.delete(photo.summary.id);
      }
      return photosChanged();
    },

    listTags: async () => tags.map((t) => ({ ...t })),
    createTag: async (name) => {
      const tag = { id: `t${tags.length + 1}` as TagId, name, photoCount: 0 };
      tags.push(tag);
      emit({ type: 'libraryChanged', parts: ['tags'] });
      return ok({ ...tag });
    },
    renameTag: async (id, name) => {
      for (const tag of tags) if (tag.id === id) tag.name = name;
      emit({ type: 'libraryChanged', parts: ['tags'] });
      return ok(undefined);
    },
    deleteTag: async (id) => {
      tags.splice(
        tags.findIndex((t) => t.id === id),
        1,
      );
      for (const photo of photos) photo.tagIds = photo.tagIds.filter((t) => t !== id);
      emit({ type: 'libraryChanged', parts: ['photos', 'tags'] });
      return ok(undefined);
    },
    tagPhotos: async (tagId, photoIds) => {
      for (const id of photoIds) {
        const photo = photosById.get(id);
        if (photo && !photo.tagIds.includes(tagId)) photo.tagIds.push(tagId);
      }
      recount();
      emit({ type: 'libraryChanged', parts: ['photos', 'tags'] });
      return ok(undefined);
    },
    untagPhotos: async (tagId, photoIds) => {
      for (const id of photoIds) {
        const photo = photosById.get(id);
        if (photo) photo.tagIds = photo.tagIds.filter((t) => t !== tagId);
      }
      recount();
      emit({ type: 'libraryChanged', parts: ['photos', 'tags'] });
      return ok(undefined);
    },
    listAlbums: async () => albums.map((a) => ({ ...a })),
    createAlbum: async (name) => {
      const album = {
        id: `a${albums.length + 1}` as AlbumId,
        name,
        coverPhotoId: null,
        photoCount: 0,
        updatedAt: NOW,
      };
      albums.push(album);
      albumOrder.set(album.id, []);
      emit({ type: 'libraryChanged', parts: ['albums'] });
      return ok({ ...album });
    },
    renameAlbum: async (id, name) => {
      for (const album of albums) if (album.id === id) album.name = name;
      emit({ type: 'libraryChanged', parts: ['albums'] });
      return ok(undefined);
    },
    deleteAlbum: async (id) => {
      albums.splice(
        albums.findIndex((a) => a.id === id),
        1,
      );
      albumOrder.delete(id);
      for (const photo of photos) photo.albumIds = photo.albumIds.filter((a) => a !== id);
      emit({ type: 'libraryChanged', parts: ['photos', 'albums'] });
      return ok(undefined);
    },
    setAlbumCover: async (id, photoId) => {
      if (photoId === null) chosenCovers.delete(id);
      else chosenCovers.set(id, photoId);
      recount();
      emit({ type: 'libraryChanged', parts: ['albums'] });
      return ok(undefined);
    },
    addToAlbum: async (albumId, photoIds) => {
      const order = albumOrder.get(albumId) ?? [];
      for (const id of photoIds) {
        const photo = photosById.get(id);
        if (photo && !photo.albumIds.includes(albumId)) {
          photo.albumIds.push(albumId);
          order.push(id);
        }
      }
      recount();
      emit({ type: 'libraryChanged', parts: ['photos', 'albums'] });
      return ok(undefined);
    },
    removeFromAlbum: async (albumId, photoIds) => {
      albumOrder.set(
        albumId,
        (albumOrder.get(albumId) ?? []).filter((id) => !photoIds.includes(id)),
      );
      for (const id of photoIds) {
        const photo = photosById.get(id);
        if (photo) photo.albumIds = photo.albumIds.filter((a) => a !== albumId);
      }
      recount();
      emit({ type: 'libraryChanged', parts: ['photos', 'albums'] });
      return ok(undefined);
    },
    moveInAlbum: async (albumId, photoId, toIndex) => {
      const others = (albumOrder.get(albumId) ?? []).filter((id) => id !== photoId);
      others.splice(toIndex, 0, photoId);
      albumOrder.set(albumId, others);
      recount();
      emit({ type: 'libraryChanged', parts: ['photos', 'albums'] });
      return ok(undefined);
    },

    addUploads: async (files) => {
      const added = files.map(
        (f, i): UploadItem => ({
          id: `u${uploads.length + i}` as UploadId,
          fileName: f.file.name,
          relativePath: f.relativePath,
          bytesTotal: f.file.size,
          bytesDone: 0,
          status: 'queued',
          error: null,
          photoId: null,
        }),
      );
      setUploads([...uploads, ...added]);
      return added.map((u) => u.id);
    },
    listUploads: async () => uploads,
    pauseUploads: async (ids) =>
      changeUploads(ids, (u) => (u.status === 'done' ? u : { ...u, status: 'paused' })),
    resumeUploads: async (ids) =>
      changeUploads(ids, (u) => (u.status === 'paused' ? { ...u, status: 'queued' } : u)),
    cancelUploads: async (ids) =>
      changeUploads(ids, (u) =>
        u.status === 'done' || u.status === 'duplicate' ? u : { ...u, status: 'cancelled' },
      ),
    retryUploads: async (ids) => changeUploads(ids, (u) => ({ ...u, status: 'queued', error: null })),
    clearFinishedUploads: async () =>
      setUploads(uploads.filter((u) => !['done', 'duplicate', 'cancelled'].includes(u.status))),

    listSessions: async () =>
      ok([
        {
          id: 's1' as never,
          deviceName: 'Chromium on Linux',
          createdAt: NOW - 30 * DAY_MS,
          lastSeenAt: NOW,
          isCurrent: true,
        },
        {
          id: 's2' as never,
          deviceName: 'Safari on iPhone',
          createdAt: NOW - 90 * DAY_MS,
          lastSeenAt: NOW - 2 * DAY_MS,
          isCurrent: false,
        },
      ]),
    revokeSession: async () => ok(undefined),
    getStorageUsage: async () =>
      ok({ usedBytes: photos.length * 3_100_000, quotaBytes: 200 * 1024 ** 3, photoCount: photos.length }),
    getOwnBucket: async () => ok(ownBucket),
    registerOwnBucket: async (input) => {
      await wait(400);
      if (input.secretAccessKey === 'wrong')
        return {
          ok: false,
          error: {
            type: 'CheckFailed',
            detail:
              'the test write failed: The request signature we calculated does not match the signature you provided.',
          },
        };
      ownBucket = {
        endpoint: input.endpoint === '' ? null : input.endpoint,
        region: input.region,
        bucket: input.bucket,
        forcePathStyle: input.forcePathStyle,
        keyPrefix: input.keyPrefix,
        checkedAt: Date.now(),
      };
      return ok(ownBucket);
    },
    removeOwnBucket: async () => {
      ownBucket = null;
      return ok(undefined);
    },
    getAutoLockMinutes: async () => 15,
    setAutoLockMinutes: async () => undefined,

    getSyncStatus: async () => syncStatus,
    subscribe: async (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};
