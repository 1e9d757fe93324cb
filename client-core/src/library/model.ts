/**
 * @module The decrypted library in memory (never written to disk): every record by kind, with indexes derived on
 * demand and cached until the next change. Queries read it; the engine's change events update it.
 */
import type { DocChange } from '../sync/engine';
import type {
  AlbumFields,
  AlbumPhotoFields,
  FieldsOf,
  PhotoFields,
  PhotoTagFields,
  RecordKind,
  TagFields,
} from './kinds';

export interface Entry<F> {
  readonly collectionId: string;
  readonly id: string;
  readonly fields: F;
}

export interface AlbumEntry extends Entry<AlbumPhotoFields> {}

export interface LibraryModel {
  readonly photos: ReadonlyMap<string, Entry<PhotoFields>>;
  readonly tags: ReadonlyMap<string, Entry<TagFields>>;
  readonly albums: ReadonlyMap<string, Entry<AlbumFields>>;
  readonly photoTags: ReadonlyMap<string, Entry<PhotoTagFields>>;
  readonly albumPhotos: ReadonlyMap<string, Entry<AlbumPhotoFields>>;
  /** Bumped on every change; observers compare it. */
  readonly version: number;
  apply(changes: readonly DocChange[]): void;
  /**
   * Fills an empty model (the warm start) with records listed once each: the same result as `apply`, without
   * looking for each record in every kind's map first.
   */
  load(changes: readonly DocChange[]): void;
  /** Tag ids on each photo (present links to existing tags). */
  tagIdsByPhoto(): ReadonlyMap<string, readonly string[]>;
  /** Each album's present links to existing photos, in position order (ties by link id). */
  entriesByAlbum(): ReadonlyMap<string, readonly AlbumEntry[]>;
  clear(): void;
}

const byPosition = (a: AlbumEntry, b: AlbumEntry) =>
  a.fields.position < b.fields.position
    ? -1
    : a.fields.position > b.fields.position
      ? 1
      : a.id < b.id
        ? -1
        : a.id > b.id
          ? 1
          : 0;

export const createLibraryModel = (): LibraryModel => {
  const maps = {
    photo: new Map<string, Entry<PhotoFields>>(),
    tag: new Map<string, Entry<TagFields>>(),
    album: new Map<string, Entry<AlbumFields>>(),
    photoTag: new Map<string, Entry<PhotoTagFields>>(),
    albumPhoto: new Map<string, Entry<AlbumPhotoFields>>(),
  } satisfies { [K in RecordKind]: Map<string, Entry<FieldsOf<K>>> };
  const all = Object.values(maps) as Map<string, Entry<unknown>>[];
  let version = 0;
  let tagIndex: { version: number; value: Map<string, string[]> } | null = null;
  let albumIndex: { version: number; value: Map<string, AlbumEntry[]> } | null = null;

  const apply = (changes: readonly DocChange[]) => {
    for (const { key, doc } of changes) {
      for (const map of all) map.delete(key.recordId);
      if (doc) {
        const map = maps[doc.kind as RecordKind] as Map<string, Entry<unknown>> | undefined;
        map?.set(key.recordId, { collectionId: key.collectionId, id: key.recordId, fields: doc.fields });
      }
    }
    if (changes.length > 0) version++;
  };

  return {
    photos: maps.photo,
    tags: maps.tag,
    albums: maps.album,
    photoTags: maps.photoTag,
    albumPhotos: maps.albumPhoto,
    get version() {
      return version;
    },
    apply,
    load(changes) {
      let entries = 0;
      for (const map of all) entries += map.size;
      const collectionId = changes[0]?.key.collectionId;
      // Only one collection's records, each once (the engine's shown records), can be set without looking first.
      if (entries > 0 || changes.some((c) => c.doc === null || c.key.collectionId !== collectionId)) {
        return apply(changes);
      }
      for (const { key, doc } of changes) {
        const map = maps[doc!.kind as RecordKind] as Map<string, Entry<unknown>> | undefined;
        map?.set(key.recordId, { collectionId: key.collectionId, id: key.recordId, fields: doc!.fields });
      }
      if (changes.length > 0) version++;
    },
    tagIdsByPhoto() {
      if (tagIndex?.version === version) return tagIndex.value;
      const value = new Map<string, string[]>();
      for (const { fields } of maps.photoTag.values()) {
        if (!fields.present || !maps.tag.has(fields.tagId)) continue;
        const list = value.get(fields.photoId) ?? [];
        list.push(fields.tagId);
        value.set(fields.photoId, list);
      }
      tagIndex = { version, value };
      return value;
    },
    entriesByAlbum() {
      if (albumIndex?.version === version) return albumIndex.value;
      const value = new Map<string, AlbumEntry[]>();
      for (const entry of maps.albumPhoto.values()) {
        const { albumId, photoId, present } = entry.fields;
        if (!present || !maps.album.has(albumId) || !maps.photo.has(photoId)) continue;
        const list = value.get(albumId) ?? [];
        list.push(entry);
        value.set(albumId, list);
      }
      for (const list of value.values()) list.sort(byPosition);
      albumIndex = { version, value };
      return value;
    },
    clear() {
      for (const map of all) map.clear();
      version++;
    },
  };
};
