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

/**
 * Image formats every browser shows: the viewer can show such an original itself when it is small. Other images
 * (HEIC, shown by Safari alone) always get a preview, since the photo may be opened on any device. A video's
 * original is played, so it gets a preview only when its frame is large.
 */
const SHOWN_EVERYWHERE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

/** Whether a file of this type and displayed size needs a preview besides the grid thumbnail. */
export const needsPreview = (media: MediaType, width: number, height: number): boolean =>
  Math.max(width, height) > PREVIEW_EDGE_PX || (media.kind === 'image' && !SHOWN_EVERYWHERE.has(media.mime));

export interface Thumbnails {
  /** The original's size as displayed (after orientation); 0 when unknown (a video the platform cannot read). */
  readonly width: number;
  readonly height: number;
  /** An encoded image (JPEG or WebP) whose longer edge is at most THUMBNAIL_EDGE_PX. */
  readonly thumbnail: Uint8Array;
  /**
   * At most PREVIEW_EDGE_PX; null when the original is already that small and every browser shows it (the viewer
   * shows the original), and for videos.
   */
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
