/**
 * @module Read-only views over the in-memory model, in the shapes the UI lists. Trashed photos appear only in the
 * trash; archived ones only in the archive (and in albums, tags and search, like a shelf they were put on).
 */

import type { AlbumFields, PhotoFields, TagFields } from './kinds';
import type { Entry, LibraryModel } from './model';

export interface PhotoView extends PhotoFields {
  readonly id: string;
  /** The date the timeline sorts by: the user's override, else taken-at. */
  readonly date: number;
  readonly tagIds: readonly string[];
}

export interface DayGroup {
  /** YYYY-MM-DD in the viewer's time zone. */
  readonly day: string;
  readonly photos: readonly PhotoView[];
}

export interface TagView extends TagFields {
  readonly id: string;
  readonly photoCount: number;
}

export interface AlbumView extends AlbumFields {
  readonly id: string;
  readonly photoCount: number;
  /** The photo the album shows as its cover: the chosen one while it is in the album, else the first. */
  readonly cover: string | null;
}

/** How long a photo stays in the trash before it is deleted forever. */
export const TRASH_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

const MONTHS_EN = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
/** The viewer's own month names too (German "märz"), where they differ from English. */
const localMonthNames = (): readonly string[] => {
  const format = new Intl.DateTimeFormat(undefined, { month: 'long', timeZone: 'UTC' });
  return MONTHS_EN.map((_, m) => format.format(Date.UTC(2000, m, 15)).toLowerCase());
};

const pad2 = (n: number) => n.toString().padStart(2, '0');
/** The last local day `localDay` computed, with its bounds: a sorted timeline asks for the same day many times. */
let lastDay = { start: 0, end: 0, day: '' };
/** YYYY-MM-DD of `ms` in the viewer's time zone. */
export const localDay = (ms: number): string => {
  if (ms >= lastDay.start && ms < lastDay.end) return lastDay.day;
  const at = new Date(ms);
  const day = `${at.getFullYear()}-${pad2(at.getMonth() + 1)}-${pad2(at.getDate())}`;
  // Local midnight to the next one (23 or 25 hours long on a daylight-saving change; setDate keeps any year).
  const start = new Date(at);
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  end.setHours(0, 0, 0, 0);
  // Where midnight does not exist the bounds may be off: there, keep only this instant.
  const sound = start.getDate() === at.getDate() && end.getDate() !== at.getDate();
  lastDay = sound ? { start: start.getTime(), end: end.getTime(), day } : { start: ms, end: ms + 1, day };
  return lastDay.day;
};

const NO_TAGS: readonly string[] = [];

const newestFirst = (a: PhotoView, b: PhotoView) =>
  b.date - a.date || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export const createQueries = (model: LibraryModel, dayOf: (ms: number) => string = localDay) => {
  const monthNames = localMonthNames();
  /** "2023-03-14 march" (and the local month name): what a date search matches, in the viewer's time zone. */
  const dateText = (ms: number): string => {
    const day = dayOf(ms);
    const month = Number(day.slice(5, 7)) - 1;
    return `${day} ${MONTHS_EN[month] ?? ''} ${monthNames[month] ?? ''}`;
  };
  // Every field named rather than spread: one allocation of a fixed shape, several times cheaper for 100,000
  // photos (the compiler names any field added to PhotoFields and left out here).
  const view = ({ id, fields: f }: Entry<PhotoFields>): PhotoView => ({
    id,
    date: f.dateOverride ?? f.takenAt,
    tagIds: model.tagIdsByPhoto().get(id) ?? NO_TAGS,
    blobs: f.blobs,
    fileKey: f.fileKey,
    size: f.size,
    mime: f.mime,
    width: f.width,
    height: f.height,
    takenAt: f.takenAt,
    exif: f.exif,
    contentHash: f.contentHash,
    fileName: f.fileName,
    caption: f.caption,
    favourite: f.favourite,
    archived: f.archived,
    trashedAt: f.trashedAt,
    location: f.location,
    dateOverride: f.dateOverride,
  });
  const photosWhere = (keep: (fields: PhotoFields) => boolean): PhotoView[] => {
    const out: PhotoView[] = [];
    for (const entry of model.photos.values()) if (keep(entry.fields)) out.push(view(entry));
    return out.sort(newestFirst);
  };
  const live = (f: PhotoFields) => f.trashedAt === null;
  /** The UI asks again after every change notice, from every view that shows it. */
  let timelineCache: { version: number; groups: readonly DayGroup[] } | undefined;

  return {
    photo: (id: string): PhotoView | undefined => {
      const entry = model.photos.get(id);
      return entry ? view(entry) : undefined;
    },
    /** Photos not trashed or archived, newest first, grouped by day; built once per model version. */
    timeline(): readonly DayGroup[] {
      if (timelineCache?.version === model.version) return timelineCache.groups;
      const groups: DayGroup[] = [];
      for (const photo of photosWhere((f) => live(f) && !f.archived)) {
        const day = dayOf(photo.date);
        const last = groups.at(-1);
        if (last?.day === day) (last.photos as PhotoView[]).push(photo);
        else groups.push({ day, photos: [photo] });
      }
      timelineCache = { version: model.version, groups };
      return groups;
    },
    favourites: () => photosWhere((f) => live(f) && f.favourite),
    /** Photos not trashed that were stored without thumbnails. See: [Note: Thumbnails made later] */
    withoutThumbnails: () => photosWhere((f) => live(f) && f.blobs.thumbnail === null),
    archive: () => photosWhere((f) => live(f) && f.archived),
    trash: () => photosWhere((f) => !live(f)).sort((a, b) => (b.trashedAt ?? 0) - (a.trashedAt ?? 0)),
    byTag(tagId: string): readonly PhotoView[] {
      return photosWhere(live).filter((p) => p.tagIds.includes(tagId));
    },
    /** In the album's order. */
    byAlbum(albumId: string): readonly PhotoView[] {
      const out: PhotoView[] = [];
      for (const link of model.entriesByAlbum().get(albumId) ?? []) {
        const photo = model.photos.get(link.fields.photoId);
        if (photo && live(photo.fields)) out.push(view(photo));
      }
      return out;
    },
    /**
     * Every word must match the file name, the caption, a tag name or the date (case-insensitive): "2023",
     * "March 2023", "mar 2023", "2023-03-14" and "2023-03" all find photos of that day.
     */
    search(text: string): readonly PhotoView[] {
      const words = text.toLowerCase().split(/\s+/).filter(Boolean);
      if (words.length === 0) return [];
      return photosWhere(live).filter((p) => {
        const haystack = [
          p.fileName,
          p.caption,
          dateText(p.date),
          ...p.tagIds.map((id) => model.tags.get(id)?.fields.name ?? ''),
        ]
          .join('\n')
          .toLowerCase();
        return words.every((w) => haystack.includes(w));
      });
    },
    tags(): readonly TagView[] {
      const counts = new Map<string, number>();
      for (const [photoId, tagIds] of model.tagIdsByPhoto()) {
        if (model.photos.get(photoId)?.fields.trashedAt !== null) continue;
        for (const id of tagIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return [...model.tags.values()]
        .map((t) => ({ ...t.fields, id: t.id, photoCount: counts.get(t.id) ?? 0 }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    albums(): readonly AlbumView[] {
      const byAlbum = model.entriesByAlbum();
      return [...model.albums.values()]
        .map((a) => {
          const photoIds = (byAlbum.get(a.id) ?? [])
            .map((e) => e.fields.photoId)
            .filter((id) => model.photos.get(id)?.fields.trashedAt === null);
          const chosen = a.fields.coverPhotoId;
          const cover = chosen !== null && photoIds.includes(chosen) ? chosen : (photoIds[0] ?? null);
          return { ...a.fields, id: a.id, photoCount: photoIds.length, cover };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    /** Trashed photos whose 30 days are up at `now`. */
    expiredTrash: (now: number): readonly PhotoView[] =>
      photosWhere((f) => f.trashedAt !== null && f.trashedAt <= now - TRASH_RETENTION_MS),
    /**
     * The photos that records touch: a photo's own record, or a tag or album link of it. For showing which
     * photos have changes not yet synced.
     */
    photoIdsOf(recordIds: Iterable<string>): ReadonlySet<string> {
      const out = new Set<string>();
      for (const id of recordIds) {
        const photoId = model.photos.has(id)
          ? id
          : (model.photoTags.get(id) ?? model.albumPhotos.get(id))?.fields.photoId;
        if (photoId !== undefined) out.add(photoId);
      }
      return out;
    },
  };
};

export type LibraryQueries = ReturnType<typeof createQueries>;
