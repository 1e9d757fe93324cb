/**
 * @module Browser (worker) thumbnails: createImageBitmap decodes whatever the browser can (JPEG, PNG, WebP, GIF,
 * AVIF everywhere; HEIC in Safari), turning it upright from its EXIF orientation, and OffscreenCanvas scales and
 * encodes it. What the browser cannot decode (HEIC in Chromium and Firefox, videos: a worker has no <video> to
 * seek) is CannotDecode and is stored without thumbnails.
 */
import { err, ok } from '../result';
import { readRange } from './file-source';
import { PREVIEW_EDGE_PX, THUMBNAIL_EDGE_PX, type ThumbnailMaker } from './thumbnails';

const encodeScaled = async (bitmap: ImageBitmap, edge: number): Promise<Uint8Array> => {
  const scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('OffscreenCanvas has no 2d context');
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, width, height);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  return new Uint8Array(await blob.arrayBuffer());
};

export const createCanvasThumbnailMaker = (): ThumbnailMaker => ({
  async make(source, media) {
    if (media.kind !== 'image') return err({ type: 'CannotDecode', mime: media.mime });
    const bytes = await readRange(source, 0, source.size);
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: media.mime }), {
        imageOrientation: 'from-image',
      });
    } catch {
      return err({ type: 'CannotDecode', mime: media.mime });
    }
    try {
      const { width, height } = bitmap;
      const thumbnail = await encodeScaled(bitmap, THUMBNAIL_EDGE_PX);
      const preview =
        Math.max(width, height) > PREVIEW_EDGE_PX ? await encodeScaled(bitmap, PREVIEW_EDGE_PX) : null;
      return ok({ width, height, thumbnail, preview });
    } finally {
      bitmap.close();
    }
  },
});
