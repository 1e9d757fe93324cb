/**
 * @module Browser (worker) thumbnails: createImageBitmap decodes whatever the browser can (JPEG, PNG, WebP, GIF,
 * AVIF everywhere; HEIC in Safari), turning it upright from its EXIF orientation, and OffscreenCanvas scales and
 * encodes it. The preview is drawn from the decoded image once; the grid thumbnail is drawn from the preview.
 *
 * A HEIC the browser cannot decode (Chromium, Firefox) goes to the injected `heif` decoder (libheif-js, loaded
 * only when a HEIC is met): its upright RGBA becomes an ImageBitmap already scaled to the preview's size, so the
 * full-size pixels are held once, in the WASM memory, and freed at once. See: [Note: HEIC through libheif-js]
 *
 * Videos need a <video> element, which a worker does not have: the page injects `grabVideoFrame` (video-frame.ts,
 * reached over the worker's message channel). The page gets the video file, which it picked itself, and answers
 * only pixels; keys and everything sealed stay in the worker. Without it, or when the browser cannot play the
 * video, the file is CannotDecode and is stored without thumbnails (the UI shows a video placeholder).
 */
import { err, ok } from '../result';
import { type FileSource, readRange } from './file-source';
import type { HeifDecoder, HeifPixels } from './heif-decode';
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
  /** For HEIC that createImageBitmap cannot decode; without it such a file gets no thumbnail. */
  readonly heif?: HeifDecoder;
}

/** A decoded image: `bitmap` may already be scaled down; `width` and `height` are the original's, upright. */
interface Decoded {
  readonly bitmap: ImageBitmap;
  readonly width: number;
  readonly height: number;
}

const HEIF_TYPES = new Set(['image/heic', 'image/heif']);

/** The pixels as an ImageBitmap of at most PREVIEW_EDGE_PX, made while they are still in the WASM memory. */
const bitmapOfHeifPixels = async (pixels: HeifPixels): Promise<Decoded> => {
  const { width, height, stride } = pixels;
  // WASM memory is a plain ArrayBuffer (this build has no threads), which ImageData requires.
  const memory = pixels.rgba.buffer as ArrayBuffer;
  const rgba = new Uint8ClampedArray(memory, pixels.rgba.byteOffset, stride * height);
  // The rows' padding is cropped off rather than copied out: ImageData as wide as the stride, cut to `width`.
  const scale = Math.min(1, PREVIEW_EDGE_PX / Math.max(width, height));
  const bitmap = await createImageBitmap(new ImageData(rgba, stride / 4, height), 0, 0, width, height, {
    resizeWidth: Math.max(1, Math.round(width * scale)),
    resizeHeight: Math.max(1, Math.round(height * scale)),
    resizeQuality: 'high',
  });
  return { bitmap, width, height };
};

/** The file as a Blob: the picked File itself when the source has it, else its bytes. */
const blobOf = async (source: FileSource, media: MediaType): Promise<Blob> =>
  source.blob ?? new Blob([(await readRange(source, 0, source.size)) as BlobPart], { type: media.mime });

const asDecoded = (bitmap: ImageBitmap | null): Decoded | null =>
  bitmap && { bitmap, width: bitmap.width, height: bitmap.height };

const decode = async (
  source: FileSource,
  media: MediaType,
  options: CanvasThumbnailOptions,
): Promise<Decoded | null> => {
  try {
    if (media.kind === 'video') {
      return asDecoded(
        options.grabVideoFrame ? await options.grabVideoFrame(await blobOf(source, media)) : null,
      );
    }
    return asDecoded(
      await createImageBitmap(await blobOf(source, media), { imageOrientation: 'from-image' }),
    );
  } catch {
    if (!options.heif || !HEIF_TYPES.has(media.mime)) return null;
  }
  try {
    return await options.heif.decode(await readRange(source, 0, source.size), bitmapOfHeifPixels);
  } catch {
    return null;
  }
};

export const createCanvasThumbnailMaker = (options: CanvasThumbnailOptions = {}): ThumbnailMaker => ({
  async make(source, media) {
    if (media.kind === 'other') return err({ type: 'CannotDecode', mime: media.mime });
    const decoded = await decode(source, media, options);
    if (!decoded) return err({ type: 'CannotDecode', mime: media.mime });
    const { bitmap, width, height } = decoded;
    try {
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
