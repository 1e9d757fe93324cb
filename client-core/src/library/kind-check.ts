/**
 * @module Exact hand-written checks of the record envelope and of each record kind's fields, run before the zod
 * schemas in library/kinds.ts, which stay the definition and give the reason when a check says no.
 * See: [Note: The kind check's fast path]
 *
 * [Note: The kind check's fast path]
 * Every pulled record is validated after decryption; with zod that was the largest part of the client's work in an
 * initial sync (each schema walks its shape through generic machinery and copies every object it accepts). These
 * checks are straight-line code over the same rules, and answer one thing: "zod would accept this value and give
 * back a value equal to it". When they say yes, the parsed JSON is used as it is (it is fresh from JSON.parse, so
 * nothing else holds it). When they say no, zod decides and gives the reason: a value zod would only accept after
 * changing it (unknown keys it strips), or one these checks do not try to judge (a `__proto__` key), also goes to
 * zod. So the decoder's answer is zod's in every case, and the check only decides how fast it comes.
 * The rules copied from zod 4 (checked by the differential tests in kind-check.test.ts, which run both on random
 * and mutated documents): objects are any non-null non-array object; a string's length is counted in code points (a surrogate pair is one);
 * numbers are finite; `int()` means a safe integer; base64 is standard with padding (length a multiple of 4, at
 * most two trailing `=`, or empty). A change to a kind schema must be made here too: the differential tests fail
 * until it is.
 */
import {
  type Fields,
  isBase64,
  isBoolean,
  isInRange,
  isInt,
  isNonEmptyText,
  isNonNegative,
  isNonNegativeInt,
  isNullableInt,
  isNullableUuid,
  isObject,
  isText,
  isUuid,
  keyCount,
} from '../exact-checks';
import { type Hlc, isHlc } from '../sync/hlc';
import type { RecordKind } from './kinds';

// ---------------------------------------------------------------------------------------------------------------
// The kinds (library/kinds.ts): each check mirrors its schema field by field.

/** Exif: every field optional. */
const EXIF_FIELDS: ReadonlyArray<readonly [string, (value: unknown) => boolean]> = [
  ['make', (v) => isText(v, 100)],
  ['model', (v) => isText(v, 100)],
  ['lens', (v) => isText(v, 200)],
  ['iso', isNonNegative],
  ['exposureTime', isNonNegative],
  ['fNumber', isNonNegative],
  ['focalLengthMm', isNonNegative],
  ['orientation', (v) => isInt(v) && isInRange(v, 1, 8)],
];

const isExif = (value: unknown): boolean => {
  if (!isObject(value)) return false;
  let present = 0;
  for (const [field, isValid] of EXIF_FIELDS) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    if (!isValid(fieldValue)) return false;
    present++;
  }
  // Absent fields are not counted, so any key left over is one the schema does not know.
  return keyCount(value) === present;
};

const isLocation = (value: unknown): boolean => {
  if (!isObject(value)) return false;
  if (!isInRange(value.latitude, -90, 90) || !isInRange(value.longitude, -180, 180)) return false;
  if (value.name === undefined) return keyCount(value) === 2;
  return isText(value.name, 200) && keyCount(value) === 3;
};

const isPhotoBlobs = (value: unknown): boolean =>
  isObject(value) &&
  isUuid(value.original) &&
  isNullableUuid(value.thumbnail) &&
  isNullableUuid(value.preview) &&
  keyCount(value) === 3;

/** The immutable part of a photo, shared by a photo and an album link's copy (LinkedPhoto). */
const isPhotoUploadPart = (value: Fields): boolean =>
  isPhotoBlobs(value.blobs) &&
  isBase64(value.fileKey) &&
  isNonNegativeInt(value.size) &&
  isText(value.mime, 100) &&
  isNonNegativeInt(value.width) &&
  isNonNegativeInt(value.height) &&
  isInt(value.takenAt) &&
  isExif(value.exif) &&
  isText(value.fileName, 500);

const isPhoto = (value: unknown): boolean =>
  isObject(value) &&
  isPhotoUploadPart(value) &&
  isBase64(value.contentHash) &&
  isText(value.caption, 5000) &&
  isBoolean(value.favourite) &&
  isBoolean(value.archived) &&
  isNullableInt(value.trashedAt) &&
  (value.location === null || isLocation(value.location)) &&
  isNullableInt(value.dateOverride) &&
  keyCount(value) === 16;

const isLinkedPhoto = (value: unknown): boolean =>
  isObject(value) && isPhotoUploadPart(value) && keyCount(value) === 9;

const isTag = (value: unknown): boolean =>
  isObject(value) &&
  isNonEmptyText(value.name, 200) &&
  (value.color === null || isText(value.color, 20)) &&
  keyCount(value) === 2;

const isAlbum = (value: unknown): boolean =>
  isObject(value) &&
  isNonEmptyText(value.name, 500) &&
  isText(value.description, 5000) &&
  isNullableUuid(value.coverPhotoId) &&
  keyCount(value) === 3;

const isPhotoTag = (value: unknown): boolean =>
  isObject(value) &&
  isUuid(value.photoId) &&
  isUuid(value.tagId) &&
  isBoolean(value.present) &&
  keyCount(value) === 3;

const isAlbumPhoto = (value: unknown): boolean =>
  isObject(value) &&
  isUuid(value.albumId) &&
  isUuid(value.photoId) &&
  isBoolean(value.present) &&
  isNonEmptyText(value.position, 200) &&
  (value.photo === null || isLinkedPhoto(value.photo)) &&
  keyCount(value) === 5;

/** Per kind: true when its zod schema would accept the fields and give back an equal value. */
export const KIND_CHECKS: Readonly<Record<RecordKind, (fields: unknown) => boolean>> = {
  photo: isPhoto,
  tag: isTag,
  album: isAlbum,
  photoTag: isPhotoTag,
  albumPhoto: isAlbumPhoto,
};

// ---------------------------------------------------------------------------------------------------------------
// The envelope {k, v, f, s}

export interface CheckedEnvelope {
  readonly k: string;
  readonly v: number;
  readonly f: Fields;
  readonly s: Record<string, Hlc>;
}

/** A record (zod's `z.record`) of any values: no `__proto__` key (zod drops it, so the value would change). */
const isPlainRecord = (value: unknown): value is Fields => isObject(value) && keyCount(value) >= 0;

const isStamps = (value: unknown): value is Record<string, Hlc> => {
  if (!isObject(value)) return false;
  for (const key in value) {
    if (key === '__proto__' || !isHlc(value[key])) return false;
  }
  return true;
};

/** True when the envelope schema would accept `value` and give back an equal value. */
export const isEnvelope = (value: unknown): value is CheckedEnvelope =>
  isObject(value) &&
  typeof value.k === 'string' &&
  isInt(value.v) &&
  (value.v as number) > 0 &&
  isPlainRecord(value.f) &&
  isStamps(value.s) &&
  keyCount(value) === 4;
