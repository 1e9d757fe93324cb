/**
 * @module The library's records in the shapes the screens list (vault-client.ts). Runs in the worker: the page
 * never sees a file key or a blob id.
 */
import type { AlbumView, PhotoView, TagView } from '@halyon/client-core';
import type { RemoteApi } from '@halyon/client-core/remote-api';
import type {
  Album,
  AlbumId,
  PhotoDetails,
  PhotoId,
  PhotoSummary,
  SyncStatus,
  Tag,
  TagId,
} from '../app/vault-client';

type RunnerStatus = NonNullable<ReturnType<RemoteApi['status']>>;

const VIDEO = /^video\//;

export const toPhotoSummary = (photo: PhotoView, isPending = false): PhotoSummary => ({
  id: photo.id as PhotoId,
  takenAt: photo.date,
  aspectRatio: photo.width > 0 && photo.height > 0 ? photo.width / photo.height : 1,
  mediaType: VIDEO.test(photo.mime) ? 'video' : 'image',
  isFavourite: photo.favourite,
  isPending,
  hasThumbnail: photo.blobs.thumbnail !== null,
});

const hemisphere = (value: number, positive: string, negative: string) =>
  `${Math.abs(value).toFixed(4)}° ${value >= 0 ? positive : negative}`;

export const toPhotoDetails = (
  photo: PhotoView,
  albumIds: ReadonlyArray<string>,
  uploadedAt: number,
  isPending = false,
): PhotoDetails => {
  const camera = [photo.exif.make, photo.exif.model].filter(Boolean).join(' ');
  const location = photo.location
    ? (photo.location.name ??
      `${hemisphere(photo.location.latitude, 'N', 'S')}, ${hemisphere(photo.location.longitude, 'E', 'W')}`)
    : null;
  return {
    ...toPhotoSummary(photo, isPending),
    fileName: photo.fileName,
    caption: photo.caption,
    mimeType: photo.mime,
    sizeBytes: photo.size,
    width: photo.width,
    height: photo.height,
    uploadedAt,
    camera: camera === '' ? null : camera,
    location,
    isArchived: photo.archived,
    trashedAt: photo.trashedAt,
    tagIds: photo.tagIds as ReadonlyArray<TagId>,
    albumIds: albumIds as ReadonlyArray<AlbumId>,
  };
};

export const toTag = (tag: TagView): Tag => ({
  id: tag.id as TagId,
  name: tag.name,
  photoCount: tag.photoCount,
});

export const toAlbum = (album: AlbumView, updatedAt: number): Album => ({
  id: album.id as AlbumId,
  name: album.name,
  coverPhotoId: album.cover as PhotoId | null,
  photoCount: album.photoCount,
  updatedAt,
});

/**
 * `lastSyncedAt` and `pendingChanges` (records in the outbox) are kept by the caller: the runner reports a
 * finished sync, not when it finished, and only in the tab that syncs.
 */
export const toSyncStatus = (
  status: RunnerStatus | null,
  isOnline: boolean,
  lastSyncedAt: number | null,
  pendingChanges: number,
): SyncStatus => ({
  isOnline: isOnline && status?.state !== 'offline',
  isSyncing: status?.state === 'syncing',
  pendingChanges,
  lastSyncedAt,
  lastError: status?.state === 'retrying' || status?.state === 'halted' ? { type: status.error.type } : null,
});
