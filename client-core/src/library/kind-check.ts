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
import { type Hlc, isHlc } from '../sync/hlc';
import type { RecordKind } from './kinds';

type Fields = Record<string, unknown>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const keyCount = (value: Fields): number => {
  let count = 0;
  for (const key in value) {
    if (key === '__proto__') return -1; // zod skips it; let zod judge
    count++;
  }
  return count;
};
/** Code points: a surrogate pair counts once (a lone surrogate counts as one). */
const codePointLength = (text: string): number => {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    if ((text.charCodeAt(i) & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
};
/** At most `max` code points: only a string over it in UTF-16 units needs counting (as zod does). */
const isText = (value: unknown, max: number): boolean =>
  typeof value === 'string' &&
  (value.length <= max || (value.length <= 2 * max && codePointLength(value) <= max));
/** Not empty (any non-empty string has a code point) and at most `max` code points. */
const isNonEmptyText = (value: unknown, max: number): boolean =>
  isText(value, max) && (value as string).length >= 1;
const isUuid = (value: unknown): boolean =>
  typeof value === 'string' && value.length === 36 && UUID_PATTERN.test(value);
const isNullableUuid = (value: unknown): boolean => value === null || isUuid(value);
const isBoolean = (value: unknown): boolean => value === true || value === false;
const isInt = (value: unknown): boolean => Number.isSafeInteger(value);
const isNullableInt = (value: unknown): boolean => value === null || Number.isSafeInteger(value);
const isNonNegativeInt = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const isNonNegative = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isInRange = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** 0-9 A-Z a-z + / (standard alphabet). */
const isBase64Char = (code: number): boolean =>
  (code >= 65 && code <= 90) ||
  (code >= 97 && code <= 122) ||
  (code >= 48 && code <= 57) ||
  code === 43 ||
  code === 47;

/** zod 4's `z.base64()`: empty, or a multiple of 4 characters of the alphabet with at most two `=` at the end. */
export const isBase64 = (value: unknown): boolean => {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length % 4 !== 0) return false;
  let end = length;
  if (end > 0 && value.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && value.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) if (!isBase64Char(value.charCodeAt(i))) return false;
  return true;
};

// ---------------------------------------------------------------------------------------------------------------
// The kinds (library/kinds.ts): each check mirrors its schema field by field.

/** Exif: every field optional; an absent one is not counted. */
const isExif = (value: unknown): boolean => {
  if (!isObject(value)) return false;
  let present = 0;
  if (value.make !== undefined) {
    if (!isText(value.make, 100)) return false;
    present++;
  }
  if (value.model !== undefined) {
    if (!isText(value.model, 100)) return false;
    present++;
  }
  if (value.lens !== undefined) {
    if (!isText(value.lens, 200)) return false;
    present++;
  }
  if (value.iso !== undefined) {
    if (!isNonNegative(value.iso)) return false;
    present++;
  }
  if (value.exposureTime !== undefined) {
    if (!isNonNegative(value.exposureTime)) return false;
    present++;
  }
  if (value.fNumber !== undefined) {
    if (!isNonNegative(value.fNumber)) return false;
    present++;
  }
  if (value.focalLengthMm !== undefined) {
    if (!isNonNegative(value.focalLengthMm)) return false;
    present++;
  }
  if (value.orientation !== undefined) {
    if (!(isInt(value.orientation) && isInRange(value.orientation, 1, 8))) return false;
    present++;
  }
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
