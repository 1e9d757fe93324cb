/**
 * @module Record kinds: what lives inside a record's ciphertext. Each kind has a versioned zod schema checked after
 * decryption (a record that decrypts but does not parse is refused, never shown). The plaintext carries its kind,
 * its schema version, its fields and each field's HLC stamp:
 *   { "k": "photo", "v": 1, "f": { ...fields }, "s": { field: stamp } }
 * Older schema versions are upgraded on read by `UPGRADES`, so merge and the UI only ever see the current shape.
 * See: [Note: Link records]
 */
import { Base64, Uuid } from '@halyon/protocol';
import { z } from 'zod';
import { err, ok, type Result } from '../result';
import { HLC_ZERO, type Hlc, isHlc } from '../sync/hlc';
import type { RecordDoc } from '../sync/merge';
import { isEnvelope, KIND_CHECKS } from './kind-check';

const Text = (max: number) => z.string().max(max);
const TimestampMs = z.number().int();

// ---------------------------------------------------------------------------------------------------------------
// Photo: an immutable part fixed at upload, and editable fields.

export const Exif = z.object({
  make: Text(100).optional(),
  model: Text(100).optional(),
  lens: Text(200).optional(),
  iso: z.number().nonnegative().optional(),
  exposureTime: z.number().nonnegative().optional(),
  fNumber: z.number().nonnegative().optional(),
  focalLengthMm: z.number().nonnegative().optional(),
  orientation: z.number().int().min(1).max(8).optional(),
});
export type Exif = z.infer<typeof Exif>;

export const Location = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: Text(200).optional(),
});
export type Location = z.infer<typeof Location>;

export const PhotoBlobs = z.object({
  original: Uuid,
  thumbnail: Uuid.nullable(),
  preview: Uuid.nullable(),
});

export const PhotoFields = z.object({
  // Immutable: set once at upload.
  blobs: PhotoBlobs,
  fileKey: Base64,
  size: z.number().int().nonnegative(),
  mime: Text(100),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  takenAt: TimestampMs,
  exif: Exif,
  contentHash: Base64,
  fileName: Text(500),
  // Editable.
  caption: Text(5000),
  favourite: z.boolean(),
  archived: z.boolean(),
  /** Set when moved to the trash, null when restored. See: [Note: Trash is a field] */
  trashedAt: TimestampMs.nullable(),
  location: Location.nullable(),
  /** The user's correction of `takenAt`; the timeline sorts by this when set. */
  dateOverride: TimestampMs.nullable(),
});
export type PhotoFields = z.infer<typeof PhotoFields>;
export const PHOTO_EDITABLE = [
  'caption',
  'favourite',
  'archived',
  'trashedAt',
  'location',
  'dateOverride',
] as const;
export type PhotoEdit = Partial<Pick<PhotoFields, (typeof PHOTO_EDITABLE)[number]>>;

// ---------------------------------------------------------------------------------------------------------------
// Tags, albums and the links between them and photos.

export const TagFields = z.object({ name: Text(200).min(1), color: Text(20).nullable() });
export type TagFields = z.infer<typeof TagFields>;

export const AlbumFields = z.object({
  name: Text(500).min(1),
  description: Text(5000),
  coverPhotoId: Uuid.nullable(),
});
export type AlbumFields = z.infer<typeof AlbumFields>;

/**
 * [Note: Link records]
 * A photo's tags and album places are records of their own, so tagging on two devices never conflicts with a
 * caption edit. A link's id is derived from its two ends with a keyed hash (library/link-ids.ts), so two devices
 * making the same link write the same record; removing a link sets `present` to false instead of deleting it, so
 * adding it again later (or concurrently) is an ordinary LWW edit of one field.
 */
export const PhotoTagFields = z.object({ photoId: Uuid, tagId: Uuid, present: z.boolean() });
export type PhotoTagFields = z.infer<typeof PhotoTagFields>;

/**
 * [Note: Album links carry the photo]
 * An album is meant to become a shared collection without re-uploading a photo (DESIGN §4): the album's collection
 * will hold its link records, and a member reads only those. So each link carries what a member needs to show and
 * download the photo: its blobs (shared by reference), its file key, and its immutable metadata. Only fields fixed
 * at upload are copied, so the copy never goes stale; the editable ones (caption, favourite, date override) and
 * the place stay in the owner's photo record, and the keyed content hash (meaningless without the owner's key) is
 * left out. The link is filled when a photo is added to an album; a v1 link (before this field) reads as null.
 */
export const LinkedPhoto = PhotoFields.pick({
  blobs: true,
  fileKey: true,
  size: true,
  mime: true,
  width: true,
  height: true,
  takenAt: true,
  exif: true,
  fileName: true,
});
export type LinkedPhoto = z.infer<typeof LinkedPhoto>;

export const linkedPhotoOf = (photo: PhotoFields): LinkedPhoto => ({
  blobs: photo.blobs,
  fileKey: photo.fileKey,
  size: photo.size,
  mime: photo.mime,
  width: photo.width,
  height: photo.height,
  takenAt: photo.takenAt,
  exif: photo.exif,
  fileName: photo.fileName,
});

export const AlbumPhotoFields = z.object({
  albumId: Uuid,
  photoId: Uuid,
  present: z.boolean(),
  /** A fractional index (npm `fractional-indexing`); equal positions are ordered by record id. */
  position: Text(200).min(1),
  /** v2: the photo as a member of a shared album sees it; null on links made before v2. */
  photo: LinkedPhoto.nullable(),
});
export type AlbumPhotoFields = z.infer<typeof AlbumPhotoFields>;

/** The blobs a photo record references: its original and the thumbnails it has. */
export const blobIdsOfDoc = (doc: RecordDoc): readonly string[] | undefined => {
  if (doc.kind !== 'photo') return undefined;
  const { original, thumbnail, preview } = (doc.fields as PhotoFields).blobs;
  return [original, ...(thumbnail ? [thumbnail] : []), ...(preview ? [preview] : [])];
};

export const KIND_SCHEMAS = {
  photo: PhotoFields,
  tag: TagFields,
  album: AlbumFields,
  photoTag: PhotoTagFields,
  albumPhoto: AlbumPhotoFields,
} as const;
export type RecordKind = keyof typeof KIND_SCHEMAS;
export type FieldsOf<K extends RecordKind> = z.infer<(typeof KIND_SCHEMAS)[K]>;

export const CURRENT_SCHEMA_VERSION: Readonly<Record<RecordKind, number>> = {
  photo: 1,
  tag: 1,
  album: 1,
  photoTag: 1,
  albumPhoto: 2,
};

/**
 * Upgrades from an older schema version to the next one, per kind: `UPGRADES.albumPhoto[1]` turns v1 fields into
 * v2 fields. An upgrade stamps new fields with HLC_ZERO so any real edit wins.
 */
const UPGRADES: Readonly<Record<RecordKind, Readonly<Record<number, (doc: RecordDoc) => RecordDoc>>>> = {
  photo: {},
  tag: {},
  album: {},
  photoTag: {},
  albumPhoto: {
    // See: [Note: Album links carry the photo]. A v1 document that has the field already (a v1 document a device
    // kept unparsed, e.g. in its local snapshot, then edited) keeps it: an upgrade only adds what is missing.
    1: (doc) => ({
      ...doc,
      schemaVersion: 2,
      fields: { photo: null, ...doc.fields },
      stamps: { photo: HLC_ZERO, ...doc.stamps },
    }),
  },
};

/** A typed view of a document whose fields have been validated. */
export interface KindDoc<K extends RecordKind> extends RecordDoc {
  readonly kind: K;
  readonly fields: FieldsOf<K>;
}

export const isKind = <K extends RecordKind>(doc: RecordDoc, kind: K): doc is KindDoc<K> => doc.kind === kind;

// ---------------------------------------------------------------------------------------------------------------
// Plaintext codec

export interface InvalidRecord {
  readonly type: 'InvalidRecord';
  readonly reason: string;
}

const Envelope = z.object({
  k: z.string(),
  v: z.number().int().positive(),
  f: z.record(z.string(), z.unknown()),
  s: z.record(z.string(), z.string().refine(isHlc, 'must be an HLC stamp')),
});

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const encodeRecordDoc = (doc: RecordDoc): Uint8Array =>
  encoder.encode(JSON.stringify({ k: doc.kind, v: doc.schemaVersion, f: doc.fields, s: doc.stamps }));

const invalid = (reason: string): Result<never, InvalidRecord> => err({ type: 'InvalidRecord', reason });

const decodeWith = (plaintext: Uint8Array, fast: boolean): Result<RecordDoc, InvalidRecord> => {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(plaintext));
  } catch {
    return invalid('not UTF-8 JSON');
  }
  // The exact checks first, zod when they say no: see [Note: The kind check's fast path].
  let envelope: z.infer<typeof Envelope>;
  if (fast && isEnvelope(json)) envelope = json;
  else {
    const parsed = Envelope.safeParse(json);
    if (!parsed.success) return invalid('not a record envelope');
    envelope = parsed.data;
  }
  const { k, v, f, s } = envelope;
  if (!Object.hasOwn(KIND_SCHEMAS, k)) return invalid(`unknown kind ${k}`);
  const kind = k as RecordKind;
  const current = CURRENT_SCHEMA_VERSION[kind];
  // A newer client wrote this; we cannot show what we cannot validate, and must not drop its fields on merge.
  if (v > current) return invalid(`${kind} schema v${v} is newer than this client's v${current}`);
  let doc: RecordDoc = { kind, schemaVersion: v, fields: f, stamps: s as Record<string, Hlc> };
  while (doc.schemaVersion < current) {
    const upgrade = UPGRADES[kind][doc.schemaVersion];
    if (!upgrade) return invalid(`no upgrade for ${kind} v${doc.schemaVersion}`);
    doc = upgrade(doc);
  }
  if (fast && KIND_CHECKS[kind](doc.fields)) return ok(doc);
  const fields = KIND_SCHEMAS[kind].safeParse(doc.fields);
  if (!fields.success) return invalid(`${kind} fields: ${fields.error.issues[0]?.message ?? 'invalid'}`);
  return ok({ ...doc, fields: fields.data });
};

/** Parses decrypted bytes into a validated document of a known kind, upgraded to the current schema version. */
export const decodeRecordDoc = (plaintext: Uint8Array): Result<RecordDoc, InvalidRecord> =>
  decodeWith(plaintext, true);

/** The same decoding with zod alone: the definition the fast path is tested against. */
export const decodeRecordDocWithZod = (plaintext: Uint8Array): Result<RecordDoc, InvalidRecord> =>
  decodeWith(plaintext, false);
