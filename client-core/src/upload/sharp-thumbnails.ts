/**
 * @module Node only: thumbnails with sharp (libvips). Its prebuilt binaries decode JPEG, PNG, WebP, GIF, AVIF and
 * TIFF; not HEIC (libvips is built without HEVC) and not video, which get CannotDecode and are stored without
 * thumbnails. JPEG shrink-on-load keeps decoding a 24-megapixel photo cheap.
 */
import sharp from 'sharp';
import { err, ok } from '../result';
import { readRange } from './file-source';
import { PREVIEW_EDGE_PX, THUMBNAIL_EDGE_PX, type ThumbnailMaker } from './thumbnails';

const DECODABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/** Images larger than this are not decoded (a decompression bomb, or more than a phone would ever show). */
const MAX_INPUT_PIXELS = 268_402_689;

export const createSharpThumbnailMaker = (): ThumbnailMaker => ({
  async make(source, media) {
    if (!DECODABLE.has(media.mime)) return err({ type: 'CannotDecode', mime: media.mime });
    // sharp decodes from memory; an image file is what the decoder must hold anyway.
    const bytes = await readRange(source, 0, source.size);
    try {
      const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate();
      const meta = await image.metadata();
      const swapped = (meta.orientation ?? 1) >= 5;
      const width = (swapped ? meta.height : meta.width) ?? 0;
      const height = (swapped ? meta.width : meta.height) ?? 0;
      const resized = (edge: number) =>
        image
          .clone()
          .resize(edge, edge, { fit: 'inside', withoutEnlargement: true })
          .jpeg({ quality: 80, mozjpeg: false })
          .toBuffer();
      const [thumbnail, preview] = await Promise.all([
        resized(THUMBNAIL_EDGE_PX),
        Math.max(width, height) > PREVIEW_EDGE_PX ? resized(PREVIEW_EDGE_PX) : Promise.resolve(null),
      ]);
      return ok({
        width,
        height,
        thumbnail: new Uint8Array(thumbnail),
        preview: preview && new Uint8Array(preview),
      });
    } catch {
      return err({ type: 'CannotDecode', mime: media.mime });
    }
  },
});
