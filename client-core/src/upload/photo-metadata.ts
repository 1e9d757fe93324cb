/**
 * @module What a photo says about itself, read with exifr from the head of the file (EXIF sits in the first
 * kilobytes of a JPEG; HEIC and AVIF name it in a box near the start): when it was taken, where, with what
 * camera, and which way up. Where exifr cannot find a HEIF file's EXIF item (heif-exif.ts), it is read from where
 * iloc puts it. A file without EXIF, or with EXIF exifr cannot parse, simply has none. In a HEIC the orientation
 * is what the file's irot/imir transforms already do (the thumbnails are upright): it is kept as a fact only.
 */
import exifr from 'exifr';
import type { Exif, Location } from '../library/kinds';
import { type FileSource, readRange } from './file-source';
import { heifExifRange } from './heif-exif';

/** Bytes read for EXIF: enough for every format we sniff, small enough for any device. */
export const EXIF_HEAD_BYTES = 512 * 1024;

export interface PhotoMetadata {
  /** The camera's date; undefined when the file has none (the caller falls back to the file's date). */
  readonly takenAt: number | undefined;
  readonly location: Location | null;
  readonly exif: Exif;
}

const NONE: PhotoMetadata = { takenAt: undefined, location: null, exif: {} };

const text = (value: unknown, max: number) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;
const positive = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

/** Drops undefined fields, so the record's JSON stays small and its schema's optional fields stay absent. */
const compact = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * EXIF dates carry no zone unless OffsetTimeOriginal says so; exifr reads them as this device's local time, which
 * is what the photographer's camera showed when both are in the same zone.
 */
const dateOf = (value: unknown): number | undefined =>
  value instanceof Date && Number.isFinite(value.getTime()) ? value.getTime() : undefined;

const EXIFR_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  xmp: false,
  icc: false,
  iptc: false,
  translateValues: false,
  reviveValues: true,
  mergeOutput: true,
} as const;

/** Largest EXIF item read on its own (a HEIF file's EXIF can sit anywhere in the file). */
const MAX_EXIF_ITEM_BYTES = 256 * 1024;

/** exifr's tags, or undefined when it found none or could not parse them. */
const parseTags = async (bytes: Uint8Array): Promise<Record<string, unknown> | undefined> => {
  try {
    const tags: Record<string, unknown> | undefined = await exifr.parse(bytes, EXIFR_OPTIONS);
    // A parse that failed part way answers only its errors.
    return tags && Object.keys(tags).some((key) => key !== 'errors') ? tags : undefined;
  } catch {
    return undefined; // a truncated or odd EXIF block: the photo is still a photo
  }
};

/**
 * A HEIF file's EXIF item, found through iloc with its base offset (which exifr ignores) and read wherever it is;
 * its data starts with the offset to the TIFF header, which exifr parses.
 */
const heifTags = async (source: FileSource, head: Uint8Array) => {
  const range = heifExifRange(head);
  if (!range || range.length < 8 || range.length > MAX_EXIF_ITEM_BYTES) return undefined;
  if (range.offset + range.length > source.size) return undefined;
  const item = await readRange(source, range.offset, range.offset + range.length);
  const tiffAt = 4 + new DataView(item.buffer, item.byteOffset, 4).getUint32(0);
  return tiffAt < item.length ? parseTags(item.subarray(tiffAt)) : undefined;
};

export const readPhotoMetadata = async (source: FileSource): Promise<PhotoMetadata> => {
  const head = await readRange(source, 0, EXIF_HEAD_BYTES);
  const tags = (await parseTags(head)) ?? (await heifTags(source, head));
  if (!tags) return NONE;
  const latitude = tags.latitude;
  const longitude = tags.longitude;
  const orientation = tags.Orientation;
  return {
    takenAt: dateOf(tags.DateTimeOriginal) ?? dateOf(tags.CreateDate) ?? dateOf(tags.ModifyDate),
    location:
      typeof latitude === 'number' &&
      typeof longitude === 'number' &&
      Math.abs(latitude) <= 90 &&
      Math.abs(longitude) <= 180
        ? { latitude, longitude }
        : null,
    exif: compact({
      make: text(tags.Make, 100),
      model: text(tags.Model, 100),
      lens: text(tags.LensModel, 200),
      iso: positive(tags.ISO),
      exposureTime: positive(tags.ExposureTime),
      fNumber: positive(tags.FNumber),
      focalLengthMm: positive(tags.FocalLength),
      orientation:
        typeof orientation === 'number' &&
        Number.isInteger(orientation) &&
        orientation >= 1 &&
        orientation <= 8
          ? orientation
          : undefined,
    }),
  };
};
