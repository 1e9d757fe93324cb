/**
 * @module Node only: thumbnails with sharp (libvips). Its prebuilt binaries decode JPEG, PNG, WebP, GIF, AVIF and
 * TIFF; not HEIC (libvips is built without HEVC: heif-thumbnails.ts decodes it with libheif-js) and not video
 * (see ffmpeg-thumbnails.ts), which get CannotDecode here. The original is decoded once: shrunk on load (JPEG and WebP decode at 1/2,
 * 1/4 or 1/8 scale) to the preview's size, and the grid thumbnail is scaled from the preview's pixels.
 */
import sharp, { type Sharp } from 'sharp';
import { err, ok } from '../result';
import { readRange } from './file-source';
import type { HeifPixels } from './heif-decode';
import type { MediaType } from './media-type';
import {
  PREVIEW_EDGE_PX,
  previewNeeded,
  THUMBNAIL_EDGE_PX,
  type ThumbnailMaker,
  type Thumbnails,
} from './thumbnails';

// HEIC too: a libvips built with an HEVC decoder reads it; the prebuilt one fails, and createNodeThumbnailMaker
// falls back to libheif-js (heif-thumbnails.ts).
const DECODABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic']);

/** Images larger than this are not decoded (a decompression bomb, or more than a phone would ever show). */
const MAX_INPUT_PIXELS = 268_402_689;

const within = (edge: number) =>
  ({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true }) as const;
const asJpeg = (image: Sharp) => image.jpeg({ quality: 80, mozjpeg: false }).toBuffer();

/**
 * The thumbnail (and the preview, when `previewNeeded`) of an upright image: the preview is scaled from `image`
 * once, as pixels, and the thumbnail from the preview's pixels.
 */
const thumbnailsOfUpright = async (
  image: Sharp,
  size: { readonly width: number; readonly height: number },
  withPreview: boolean,
): Promise<Thumbnails> => {
  const { width, height } = size;
  if (!withPreview) {
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
  return thumbnailsOfUpright(image, { width, height }, previewNeeded(media, width, height));
};

/**
 * Thumbnails of decoded, upright RGBA pixels (a HEIC through libheif-js). They are read while this runs; the
 * preview-sized pixels sharp makes of them first are its own.
 */
export const thumbnailsOfPixels = async (pixels: HeifPixels, media: MediaType): Promise<Thumbnails> => {
  const { width, height, stride } = pixels;
  let image = sharp(pixels.rgba, { raw: { width: stride / 4, height, channels: 4 } });
  if (stride !== width * 4) image = image.extract({ left: 0, top: 0, width, height });
  // Flattened: an opaque photo's alpha is all 255, and JPEG has none.
  return thumbnailsOfUpright(image.removeAlpha(), { width, height }, previewNeeded(media, width, height));
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
