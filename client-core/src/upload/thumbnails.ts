/**
 * @module The thumbnail maker the uploader is given: the browser worker's draws with createImageBitmap and
 * OffscreenCanvas (canvas-thumbnails.ts), Node's with sharp (sharp-thumbnails.ts). Both turn the image upright
 * (EXIF orientation) and answer the original's displayed size, a ~256 px grid thumbnail and a ~1280 px preview.
 */
import type { Result } from '../result';
import type { FileSource } from './file-source';
import type { MediaType } from './media-type';

export const THUMBNAIL_EDGE_PX = 256;
export const PREVIEW_EDGE_PX = 1280;

/** Image formats every browser's <img> shows (upright from their EXIF orientation, as browsers do by default). */
const SHOWN_BY_EVERY_BROWSER = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/**
 * [Note: No preview for a small original]
 * A preview is made only where the viewer could not use the original in its place: the original is larger than
 * the preview, or is a format not every browser shows (HEIC that Safari decoded, which Chromium cannot show).
 * Otherwise the preview would be the same pixels again, decoded, encoded, sealed and uploaded for nothing. So a
 * photo record with a thumbnail and a null preview means "show the original"; the viewer does
 * (web/src/worker/vault-service.ts). A video's preview is its frame, made only for a frame above the preview size,
 * as before: the viewer shows a video by playing the original.
 */
export const previewNeeded = (media: MediaType, width: number, height: number): boolean =>
  Math.max(width, height) > PREVIEW_EDGE_PX ||
  (media.kind === 'image' && !SHOWN_BY_EVERY_BROWSER.has(media.mime));

export interface Thumbnails {
  /** The original's size as displayed (after orientation); 0 when unknown (a video the platform cannot read). */
  readonly width: number;
  readonly height: number;
  /** An encoded image (JPEG or WebP) whose longer edge is at most THUMBNAIL_EDGE_PX. */
  readonly thumbnail: Uint8Array;
  /** At most PREVIEW_EDGE_PX; null when the viewer shows the original instead. See: [Note: No preview for a small original] */
  readonly preview: Uint8Array | null;
}

/** The platform cannot decode this file (HEIC without a decoder, an unknown video codec, a broken image). */
export interface CannotDecode {
  readonly type: 'CannotDecode';
  readonly mime: string;
}

export interface ThumbnailMaker {
  make(source: FileSource, media: MediaType): Promise<Result<Thumbnails, CannotDecode>>;
}

/** For platforms without an image decoder: every file is stored without thumbnails. */
export const noThumbnails: ThumbnailMaker = {
  make: async (_source, media) => ({ ok: false, error: { type: 'CannotDecode', mime: media.mime } }),
};
