/**
 * @module The library API the UI and third-party clients call: photos, tags, albums and the trash. Every action
 * succeeds locally at once (queued, sealed, in the outbox) and reaches other devices through sync. Queries are
 * observable: `watch` calls back with fresh results after every local or remote change.
 * Deletion rules (trash is a field; delete forever is a tombstone and wins): docs/sync-engine.md.
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import { DELETE_FOREVER, type DocChange, type LocalWrite, type SyncEngine } from '../sync/engine';
import { HLC_ZERO, type Hlc, type HlcClock } from '../sync/hlc';
import { createDoc, editDoc, latestStamp, type RecordDoc } from '../sync/merge';
import type { LinkIdDeriver } from './derived-keys';
import {
  CURRENT_SCHEMA_VERSION,
  type FieldsOf,
  linkedPhotoOf,
  type PhotoEdit,
  type PhotoFields,
  type RecordKind,
} from './kinds';
import { createLibraryModel } from './model';
import { createQueries, type LibraryQueries } from './queries';

export interface LibraryDeps {
  readonly engine: Pick<SyncEngine, 'write' | 'subscribe' | 'loadShownDocs' | 'lastLoad'>;
  readonly clock: HlcClock;
  readonly linkIds: LinkIdDeriver;
  /** Where new records go: the user's library collection. */
  readonly collectionId: string;
  readonly newId: () => string;
  readonly now: () => number;
  readonly dayOf?: (ms: number) => string;
}

/** Thumbnails made for a photo after its upload: committed blob ids, and the original's displayed size. */
export interface MadeThumbnails {
  readonly thumbnail: string;
  readonly preview: string | null;
  readonly width: number;
  readonly height: number;
}

/** What an upload knows about a photo; the editable fields start empty. */
export type NewPhoto = Omit<PhotoFields, keyof PhotoEdit> & Partial<PhotoEdit>;

export const createLibrary = (deps: LibraryDeps) => {
  const model = createLibraryModel();
  const queries = createQueries(model, deps.dayOf);
  const watchers = new Set<() => void>();
  let notifyScheduled = false;

  /** `latest`: the latest stamp among the changes, when already known (the warm start, into an empty model). */
  const show = (changes: readonly DocChange[], latest?: Hlc) => {
    if (latest) deps.clock.observe(latest);
    else for (const { doc } of changes) if (doc) deps.clock.observe(latestStamp(doc));
    if (latest) model.load(changes);
    else model.apply(changes);
    if (changes.length === 0 || notifyScheduled) return;
    // Many changes in one tick (a pulled page, a bulk edit) notify once.
    notifyScheduled = true;
    queueMicrotask(() => {
      notifyScheduled = false;
      for (const watcher of watchers) watcher();
    });
  };
  const unsubscribe = deps.engine.subscribe((event) => {
    if (event.type === 'changes') show(event.changes);
  });

  const key = (recordId: string) => ({ collectionId: deps.collectionId, recordId });
  const keyOfExisting = (recordId: string) => {
    for (const map of [model.photos, model.tags, model.albums, model.photoTags, model.albumPhotos]) {
      const entry = map.get(recordId);
      if (entry) return { collectionId: entry.collectionId, recordId };
    }
    return key(recordId);
  };
  const commit = async (writes: readonly LocalWrite[]) => show(await deps.engine.write(writes));

  const create = <K extends RecordKind>(kind: K, recordId: string, fields: FieldsOf<K>): LocalWrite => {
    const stamp = deps.clock.now();
    return {
      key: key(recordId),
      apply: (current) =>
        current
          ? undefined
          : createDoc(kind, CURRENT_SCHEMA_VERSION[kind], fields as Record<string, unknown>, stamp),
    };
  };
  /** Edits fields of an existing record of `kind`; a missing record (or another kind) is left alone. */
  const edit = (kind: RecordKind, recordId: string, patch: Record<string, unknown>): LocalWrite => {
    const stamp = deps.clock.now();
    return {
      key: keyOfExisting(recordId),
      apply: (current) => (current?.kind === kind ? editDoc(current, patch, stamp) : undefined),
    };
  };
  const deleteForever = (recordId: string): LocalWrite => ({
    key: keyOfExisting(recordId),
    apply: () => DELETE_FOREVER,
  });

  /** Sets a link's fields, creating the link record (deterministic id) if this device has never seen it. */
  const upsertLink = <K extends 'photoTag' | 'albumPhoto'>(
    kind: K,
    recordId: string,
    fields: FieldsOf<K>,
    patch: Partial<FieldsOf<K>>,
  ): LocalWrite => {
    const stamp = deps.clock.now();
    return {
      key: keyOfExisting(recordId),
      apply: (current: RecordDoc | null) => {
        if (!current)
          return createDoc(kind, CURRENT_SCHEMA_VERSION[kind], fields as Record<string, unknown>, stamp);
        const changed = Object.entries(patch).some(([k, v]) => current.fields[k] !== v);
        return changed ? editDoc(current, patch, stamp) : undefined;
      },
    };
  };

  const albumEntries = (albumId: string) => model.entriesByAlbum().get(albumId) ?? [];

  const editPhotos = (photoIds: readonly string[], patch: PhotoEdit) =>
    commit(photoIds.map((id) => edit('photo', id, patch)));

  /** Adds photos in one batch (an upload of thousands is one local write); returns their ids in order. */
  const addPhotos = async (photos: readonly NewPhoto[]): Promise<readonly string[]> => {
    const ids = photos.map(() => deps.newId());
    await commit(
      photos.map((photo, i) => {
        // Every field named, in schema order: one key order for every photo (see library/packing.ts).
        const fields: PhotoFields = {
          blobs: photo.blobs,
          fileKey: photo.fileKey,
          size: photo.size,
          mime: photo.mime,
          width: photo.width,
          height: photo.height,
          takenAt: photo.takenAt,
          exif: photo.exif,
          contentHash: photo.contentHash,
          fileName: photo.fileName,
          caption: photo.caption ?? '',
          favourite: photo.favourite ?? false,
          archived: photo.archived ?? false,
          trashedAt: photo.trashedAt ?? null,
          location: photo.location ?? null,
          dateOverride: photo.dateOverride ?? null,
        };
        const blobIds = Object.values(photo.blobs).filter((b) => b !== null);
        return { ...create('photo', ids[i]!, fields), blobIds };
      }),
    );
    return ids;
  };

  return {
    /** Loads the local snapshot and what changed after it into memory (the warm start). */
    async load(): Promise<void> {
      model.clear();
      const docs = await deps.engine.loadShownDocs();
      show(docs, deps.engine.lastLoad()?.latestStamp ?? HLC_ZERO);
    },
    queries: queries as LibraryQueries,
    /** Calls `onChange` with the query's result now and after every change; returns the unsubscribe. */
    watch<T>(query: (q: LibraryQueries) => T, onChange: (value: T) => void): () => void {
      const run = () => onChange(query(queries));
      watchers.add(run);
      run();
      return () => watchers.delete(run);
    },
    close() {
      unsubscribe();
      watchers.clear();
      model.clear();
    },

    // Photos ------------------------------------------------------------------------------------------------
    addPhotos,
    async addPhoto(photo: NewPhoto): Promise<string> {
      const [id] = await addPhotos([photo]);
      return id!;
    },
    setCaption: (photoId: string, caption: string) => editPhotos([photoId], { caption }),
    setFavourite: (photoIds: readonly string[], favourite: boolean) => editPhotos(photoIds, { favourite }),
    setArchived: (photoIds: readonly string[], archived: boolean) => editPhotos(photoIds, { archived }),
    /** null restores the date the camera recorded. */
    setDate: (photoIds: readonly string[], dateOverride: number | null) =>
      editPhotos(photoIds, { dateOverride }),
    setLocation: (photoIds: readonly string[], location: PhotoFields['location']) =>
      editPhotos(photoIds, { location }),

    /**
     * Adds thumbnails made after the upload (committed blobs: upload/thumbnail-backfill.ts) to a photo, and its
     * size when the uploader could not read it, and refreshes the copies its album links carry. Answers false,
     * writing nothing, when the photo is gone or has thumbnails already (another device was first).
     */
    async attachThumbnails(photoId: string, made: MadeThumbnails): Promise<boolean> {
      const found = model.photos.get(photoId);
      if (!found || found.fields.blobs.thumbnail !== null) return false;
      const { original } = found.fields.blobs;
      const blobs = { original, thumbnail: made.thumbnail, preview: made.preview };
      const size = found.fields.width === 0 ? { width: made.width, height: made.height } : {};
      const stamp = deps.clock.now();
      let attached = false;
      const photoWrite: LocalWrite = {
        key: keyOfExisting(photoId),
        apply: (current) => {
          const now = current?.kind === 'photo' ? (current.fields as PhotoFields).blobs : null;
          attached = now?.original === original && now.thumbnail === null;
          return attached ? editDoc(current!, { blobs, ...size }, stamp) : undefined;
        },
        blobIds: [original, made.thumbnail, ...(made.preview ? [made.preview] : [])],
      };
      // In the same write, applied after the photo's and only if it was: the album links' copies of the photo.
      // See: [Note: Album links carry the photo]
      const photo = linkedPhotoOf({ ...found.fields, blobs, ...size });
      const links = [...model.albumPhotos.values()]
        .filter((l) => l.fields.photoId === photoId && l.fields.photo !== null)
        .map(
          (l): LocalWrite => ({
            key: keyOfExisting(l.id),
            apply: (current) =>
              attached && current?.kind === 'albumPhoto' ? editDoc(current, { photo }, stamp) : undefined,
          }),
        );
      await commit([photoWrite, ...links]);
      return attached;
    },

    // Trash -------------------------------------------------------------------------------------------------
    trash: (photoIds: readonly string[]) => editPhotos(photoIds, { trashedAt: deps.now() }),
    restore: (photoIds: readonly string[]) => editPhotos(photoIds, { trashedAt: null }),
    /** Irreversible on every device: the photo becomes a tombstone, which wins over any concurrent edit. */
    deleteForever: (photoIds: readonly string[]) => commit(photoIds.map(deleteForever)),
    emptyTrash: () => commit(queries.trash().map((p) => deleteForever(p.id))),
    /** Deletes forever what has been in the trash for 30 days (the sync leader runs it); returns how many. */
    async deleteExpiredTrash(): Promise<number> {
      const expired = queries.expiredTrash(deps.now());
      if (expired.length > 0) await commit(expired.map((p) => deleteForever(p.id)));
      return expired.length;
    },

    // Tags --------------------------------------------------------------------------------------------------
    async createTag(name: string, color: string | null = null): Promise<string> {
      const id = deps.newId();
      await commit([create('tag', id, { name, color })]);
      return id;
    },
    renameTag: (tagId: string, name: string) => commit([edit('tag', tagId, { name })]),
    /** Deletes the tag and its links; the photos stay. */
    deleteTag: (tagId: string) =>
      commit([
        deleteForever(tagId),
        ...[...model.photoTags.values()]
          .filter((l) => l.fields.tagId === tagId)
          .map((l) => deleteForever(l.id)),
      ]),
    tagPhotos: (tagId: string, photoIds: readonly string[]) =>
      commit(
        photoIds.map((photoId) =>
          upsertLink(
            'photoTag',
            deps.linkIds('photoTag', photoId, tagId),
            { photoId, tagId, present: true },
            { present: true },
          ),
        ),
      ),
    untagPhotos: (tagId: string, photoIds: readonly string[]) =>
      commit(
        photoIds
          .map((photoId) => deps.linkIds('photoTag', photoId, tagId))
          .filter((id) => model.photoTags.has(id))
          .map((id) => edit('photoTag', id, { present: false })),
      ),

    // Albums ------------------------------------------------------------------------------------------------
    async createAlbum(name: string, description = ''): Promise<string> {
      const id = deps.newId();
      await commit([create('album', id, { name, description, coverPhotoId: null })]);
      return id;
    },
    renameAlbum: (albumId: string, name: string) => commit([edit('album', albumId, { name })]),
    setAlbumDescription: (albumId: string, description: string) =>
      commit([edit('album', albumId, { description })]),
    setAlbumCover: (albumId: string, coverPhotoId: string | null) =>
      commit([edit('album', albumId, { coverPhotoId })]),
    /** Deletes the album and its links; the photos stay. */
    deleteAlbum: (albumId: string) =>
      commit([
        deleteForever(albumId),
        ...[...model.albumPhotos.values()]
          .filter((l) => l.fields.albumId === albumId)
          .map((l) => deleteForever(l.id)),
      ]),
    /** Appends the photos not yet in the album, in the given order. */
    addToAlbum(albumId: string, photoIds: readonly string[]) {
      const inAlbum = new Set(albumEntries(albumId).map((e) => e.fields.photoId));
      const adding = [...new Set(photoIds)].filter((id) => !inAlbum.has(id));
      const positions = generateNKeysBetween(
        albumEntries(albumId).at(-1)?.fields.position ?? null,
        null,
        adding.length,
      );
      return commit(
        adding.map((photoId, i) => {
          const position = positions[i]!;
          const id = deps.linkIds('albumPhoto', albumId, photoId);
          // The link carries the photo for a future shared album; a link from before v2 gets it when re-added.
          const found = model.photos.get(photoId);
          const photo = found ? linkedPhotoOf(found.fields) : null;
          const fill = photo && !model.albumPhotos.get(id)?.fields.photo ? { photo } : {};
          return upsertLink(
            'albumPhoto',
            id,
            { albumId, photoId, present: true, position, photo },
            { present: true, position, ...fill },
          );
        }),
      );
    },
    removeFromAlbum: (albumId: string, photoIds: readonly string[]) =>
      commit(
        photoIds
          .map((photoId) => deps.linkIds('albumPhoto', albumId, photoId))
          .filter((id) => model.albumPhotos.has(id))
          .map((id) => edit('albumPhoto', id, { present: false })),
      ),
    /** Moves a photo to sit at `index` among the album's other photos (0 = first). */
    moveInAlbum(albumId: string, photoId: string, index: number) {
      const others = albumEntries(albumId).filter((e) => e.fields.photoId !== photoId);
      const linkId = deps.linkIds('albumPhoto', albumId, photoId);
      if (!model.albumPhotos.has(linkId) || index < 0 || index > others.length) return Promise.resolve();
      const lower = others[index - 1]?.fields.position ?? null;
      // Concurrent inserts can leave equal positions; the upper bound must be strictly above the lower one.
      const upper =
        others.slice(index).find((e) => lower === null || e.fields.position > lower)?.fields.position ?? null;
      return commit([edit('albumPhoto', linkId, { position: generateKeyBetween(lower, upper) })]);
    },
  };
};

export type Library = ReturnType<typeof createLibrary>;
