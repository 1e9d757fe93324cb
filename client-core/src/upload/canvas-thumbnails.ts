/**
 * @module Browser (worker) thumbnails: createImageBitmap decodes whatever the browser can (JPEG, PNG, WebP, GIF,
 * AVIF everywhere; HEIC in Safari), turning it upright from its EXIF orientation, and OffscreenCanvas scales and
 * encodes it. The preview is drawn from the decoded image once; the grid thumbnail is drawn from the preview.
 *
 * Videos need a <video> element, which a worker does not have: the page injects `grabVideoFrame` (video-frame.ts,
 * reached over the worker's message channel). The page gets the video file, which it picked itself, and answers
 * only pixels; keys and everything sealed stay in the worker. Without it, or when the browser cannot play the
 * video, the file is CannotDecode and is stored without thumbnails (the UI shows a video placeholder).
 */
import { err, ok } from '../result';
import { type FileSource, readRange } from './file-source';
import type { MediaType } from './media-type';
import { PREVIEW_EDGE_PX, previewNeeded, THUMBNAIL_EDGE_PX, type ThumbnailMaker } from './thumbnails';

/** Draws `image` scaled to fit `edge` (never enlarged) on a fresh OffscreenCanvas. */
const drawScaled = (image: ImageBitmap | OffscreenCanvas, edge: number): OffscreenCanvas => {
  const scale = Math.min(1, edge / Math.max(image.width, image.height));
  const canvas = new OffscreenCanvas(
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
  );
  const context = canvas.getContext('2d');
  if (!context) throw new Error('OffscreenCanvas has no 2d context');
  context.imageSmoothingQuality = 'high';
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas;
};

const encodeJpeg = async (canvas: OffscreenCanvas): Promise<Uint8Array> => {
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  return new Uint8Array(await blob.arrayBuffer());
};

/** Runs in the page (video-frame.ts): one upright frame of a video, or null when the browser cannot play it. */
export type GrabVideoFrame = (video: Blob) => Promise<ImageBitmap | null>;

export interface CanvasThumbnailOptions {
  readonly grabVideoFrame?: GrabVideoFrame;
}

/** The file as a Blob: the picked File itself when the source has it, else its bytes. */
const blobOf = async (source: FileSource, media: MediaType): Promise<Blob> =>
  source.blob ?? new Blob([(await readRange(source, 0, source.size)) as BlobPart], { type: media.mime });

const decode = async (
  source: FileSource,
  media: MediaType,
  options: CanvasThumbnailOptions,
): Promise<ImageBitmap | null> => {
  try {
    if (media.kind === 'video') {
      return options.grabVideoFrame ? await options.grabVideoFrame(await blobOf(source, media)) : null;
    }
    return await createImageBitmap(await blobOf(source, media), { imageOrientation: 'from-image' });
  } catch {
    return null;
  }
};

export const createCanvasThumbnailMaker = (options: CanvasThumbnailOptions = {}): ThumbnailMaker => ({
  async make(source, media) {
    if (media.kind === 'other') return err({ type: 'CannotDecode', mime: media.mime });
    const bitmap = await decode(source, media, options);
    if (!bitmap) return err({ type: 'CannotDecode', mime: media.mime });
    try {
      const { width, height } = bitmap;
      if (!previewNeeded(media, width, height)) {
        return ok({
          width,
          height,
          thumbnail: await encodeJpeg(drawScaled(bitmap, THUMBNAIL_EDGE_PX)),
          preview: null,
        });
      }
      const preview = drawScaled(bitmap, PREVIEW_EDGE_PX);
      const thumbnail = drawScaled(preview, THUMBNAIL_EDGE_PX);
      const [previewBytes, thumbnailBytes] = await Promise.all([encodeJpeg(preview), encodeJpeg(thumbnail)]);
      return ok({ width, height, thumbnail: thumbnailBytes, preview: previewBytes });
    } finally {
      bitmap.close();
    }
  },
});
