/**
 * @module Positional layouts of each kind's fields for the local snapshot (sync/record-cipher.ts FieldPacking).
 * Fields are packed only when their keys are exactly a layout's, in its order (and a photo's blobs exactly
 * original, thumbnail, preview), and every value is defined, so unpacking gives back equal fields with the same
 * key order; anything else stays an object. Each layout builds its object with one literal, one shape per kind.
 * A snapshot names the layouts it was packed under (PACKING_NAME, from their key lists): one packed under others is
 * ignored and rebuilt.
 * See: [Note: Local snapshot]
 */
import type { Hlc } from '../sync/hlc';
import type { RecordDoc } from '../sync/merge';
import type { FieldPacking } from '../sync/record-cipher';

type Fields = RecordDoc['fields'];

/** Photo fields in schema order (library/kinds.ts PhotoFields), as addPhotos writes them. */
const PHOTO_KEYS = [
  'blobs',
  'fileKey',
  'size',
  'mime',
  'width',
  'height',
  'takenAt',
  'exif',
  'contentHash',
  'fileName',
  'caption',
  'favourite',
  'archived',
  'trashedAt',
  'location',
  'dateOverride',
];
/** The order addPhotos wrote before it named every field: the editable ones first, then the upload's. */
const PHOTO_KEYS_EDITABLE_FIRST = [...PHOTO_KEYS.slice(10), ...PHOTO_KEYS.slice(0, 10)];
const BLOB_KEYS = ['original', 'thumbnail', 'preview'];

const Layout = {
  Photo: 0,
  PhotoEditableFirst: 1,
  Tag: 2,
  Album: 3,
  PhotoTag: 4,
  AlbumPhoto: 5,
} as const;

const LAYOUT_KIND: Readonly<Record<number, string>> = {
  [Layout.Photo]: 'photo',
  [Layout.PhotoEditableFirst]: 'photo',
  [Layout.Tag]: 'tag',
  [Layout.Album]: 'album',
  [Layout.PhotoTag]: 'photoTag',
  [Layout.AlbumPhoto]: 'albumPhoto',
};

const SIMPLE_KEYS: Readonly<Record<string, readonly [number, readonly string[]]>> = {
  tag: [Layout.Tag, ['name', 'color']],
  album: [Layout.Album, ['name', 'description', 'coverPhotoId']],
  photoTag: [Layout.PhotoTag, ['photoId', 'tagId', 'present']],
  albumPhoto: [Layout.AlbumPhoto, ['albumId', 'photoId', 'present', 'position', 'photo']],
};

/** Names the layouts by their key lists, so changing one cannot leave a snapshot packed under the old one read. */
export const PACKING_NAME = `halyon.fields.v1 ${JSON.stringify([PHOTO_KEYS, BLOB_KEYS, SIMPLE_KEYS])}`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys of `object` are exactly `keys`, in that order, and none holds undefined. */
const hasExactly = (object: Record<string, unknown>, keys: readonly string[]): boolean => {
  const own = Object.keys(object);
  if (own.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++)
    if (own[i] !== keys[i] || object[keys[i]!] === undefined) return false;
  return Object.getPrototypeOf(object) === Object.prototype;
};

const packPhoto = (f: Fields): unknown[] | undefined => {
  const layout = hasExactly(f, PHOTO_KEYS)
    ? Layout.Photo
    : hasExactly(f, PHOTO_KEYS_EDITABLE_FIRST)
      ? Layout.PhotoEditableFirst
      : undefined;
  const blobs = f.blobs;
  if (layout === undefined || !isObject(blobs) || !hasExactly(blobs, BLOB_KEYS)) return undefined;
  return [
    layout,
    blobs.original,
    blobs.thumbnail,
    blobs.preview,
    f.fileKey,
    f.size,
    f.mime,
    f.width,
    f.height,
    f.takenAt,
    f.exif,
    f.contentHash,
    f.fileName,
    f.caption,
    f.favourite,
    f.archived,
    f.trashedAt,
    f.location,
    f.dateOverride,
  ];
};

const unpackPhoto = (v: readonly unknown[]): Fields => {
  const blobs = { original: v[1], thumbnail: v[2], preview: v[3] };
  return v[0] === Layout.Photo
    ? {
        blobs,
        fileKey: v[4],
        size: v[5],
        mime: v[6],
        width: v[7],
        height: v[8],
        takenAt: v[9],
        exif: v[10],
        contentHash: v[11],
        fileName: v[12],
        caption: v[13],
        favourite: v[14],
        archived: v[15],
        trashedAt: v[16],
        location: v[17],
        dateOverride: v[18],
      }
    : {
        caption: v[13],
        favourite: v[14],
        archived: v[15],
        trashedAt: v[16],
        location: v[17],
        dateOverride: v[18],
        blobs,
        fileKey: v[4],
        size: v[5],
        mime: v[6],
        width: v[7],
        height: v[8],
        takenAt: v[9],
        exif: v[10],
        contentHash: v[11],
        fileName: v[12],
      };
};

/** Values per layout, the layout number included. */
const LENGTHS: Readonly<Record<number, number>> = {
  [Layout.Photo]: 19,
  [Layout.PhotoEditableFirst]: 19,
  [Layout.Tag]: 3,
  [Layout.Album]: 4,
  [Layout.PhotoTag]: 4,
  [Layout.AlbumPhoto]: 6,
};

/** Every field stamped `s`, keys in the layout's order: one literal per layout, as unpacking builds the fields. */
const stampAll = (v: readonly unknown[], s: Hlc): Readonly<Record<string, Hlc>> => {
  switch (v[0]) {
    case Layout.Photo:
      return {
        blobs: s,
        fileKey: s,
        size: s,
        mime: s,
        width: s,
        height: s,
        takenAt: s,
        exif: s,
        contentHash: s,
        fileName: s,
        caption: s,
        favourite: s,
        archived: s,
        trashedAt: s,
        location: s,
        dateOverride: s,
      };
    case Layout.PhotoEditableFirst:
      return {
        caption: s,
        favourite: s,
        archived: s,
        trashedAt: s,
        location: s,
        dateOverride: s,
        blobs: s,
        fileKey: s,
        size: s,
        mime: s,
        width: s,
        height: s,
        takenAt: s,
        exif: s,
        contentHash: s,
        fileName: s,
      };
    case Layout.Tag:
      return { name: s, color: s };
    case Layout.Album:
      return { name: s, description: s, coverPhotoId: s };
    case Layout.PhotoTag:
      return { photoId: s, tagId: s, present: s };
    case Layout.AlbumPhoto:
      return { albumId: s, photoId: s, present: s, position: s, photo: s };
    default:
      throw new Error(`no layout ${String(v[0])}`);
  }
};

export const recordPacking: FieldPacking = {
  stampAll,
  name: PACKING_NAME,
  pack(kind, fields) {
    if (!isObject(fields)) return undefined;
    if (kind === 'photo') return packPhoto(fields);
    const simple = SIMPLE_KEYS[kind];
    if (!simple || !hasExactly(fields, simple[1])) return undefined;
    return [simple[0], ...simple[1].map((key) => fields[key])];
  },
  unpack(kind, v) {
    const layout = v[0] as number;
    if (LAYOUT_KIND[layout] !== kind || v.length !== LENGTHS[layout]) return undefined;
    switch (layout) {
      case Layout.Photo:
      case Layout.PhotoEditableFirst:
        return unpackPhoto(v);
      case Layout.Tag:
        return { name: v[1], color: v[2] };
      case Layout.Album:
        return { name: v[1], description: v[2], coverPhotoId: v[3] };
      case Layout.PhotoTag:
        return { photoId: v[1], tagId: v[2], present: v[3] };
      case Layout.AlbumPhoto:
        return { albumId: v[1], photoId: v[2], present: v[3], position: v[4], photo: v[5] };
      default:
        return undefined;
    }
  },
};
