/**
 * @module Node only: thumbnails with sharp (libvips). Its prebuilt binaries decode JPEG, PNG, WebP, GIF, AVIF and
 * TIFF; not HEIC (libvips is built without HEVC) and not video (see ffmpeg-thumbnails.ts), which get CannotDecode
 * and are stored without thumbnails. The original is decoded once: shrunk on load (JPEG and WebP decode at 1/2,
 * 1/4 or 1/8 scale) to the preview's size, and the grid thumbnail is scaled from the preview's pixels.
 */
import sharp, { type Sharp } from 'sharp';
import { err, ok } from '../result';
import { readRange } from './file-source';
import type { MediaType } from './media-type';
import {
  PREVIEW_EDGE_PX,
  previewNeeded,
  THUMBNAIL_EDGE_PX,
  type ThumbnailMaker,
  type Thumbnails,
} from './thumbnails';

const DECODABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/** Images larger than this are not decoded (a decompression bomb, or more than a phone would ever show). */
const MAX_INPUT_PIXELS = 268_402_689;

const within = (edge: number) =>
  ({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true }) as const;
const asJpeg = (image: Sharp) => image.jpeg({ quality: 80, mozjpeg: false }).toBuffer();

/**
 * Thumbnails of an image file's bytes, or of a video's frame (`media` is the file's type); throws when sharp cannot
 * decode them.
 */
export const thumbnailsOfImage = async (bytes: Uint8Array, media: MediaType): Promise<Thumbnails> => {
  const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate();
  const meta = await image.metadata();
  const swapped = (meta.orientation ?? 1) >= 5;
  const width = (swapped ? meta.height : meta.width) ?? 0;
  const height = (swapped ? meta.width : meta.height) ?? 0;
  if (!previewNeeded(media, width, height)) {
    const thumbnail = await asJpeg(image.resize(within(THUMBNAIL_EDGE_PX)));
    return { width, height, thumbnail: new Uint8Array(thumbnail), preview: null };
  }
  const { data, info } = await image
    .resize(within(PREVIEW_EDGE_PX))
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = () =>
    sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const [preview, thumbnail] = await Promise.all([
    asJpeg(pixels()),
    asJpeg(pixels().resize(within(THUMBNAIL_EDGE_PX))),
  ]);
  return { width, height, thumbnail: new Uint8Array(thumbnail), preview: new Uint8Array(preview) };
};

export const createSharpThumbnailMaker = (): ThumbnailMaker => ({
  async make(source, media) {
    if (!DECODABLE.has(media.mime)) return err({ type: 'CannotDecode', mime: media.mime });
    // sharp decodes from memory; an image file is what the decoder must hold anyway.
    const bytes = await readRange(source, 0, source.size);
    try {
      return ok(await thumbnailsOfImage(bytes, media));
    } catch {
      return err({ type: 'CannotDecode', mime: media.mime });
    }
  },
});
