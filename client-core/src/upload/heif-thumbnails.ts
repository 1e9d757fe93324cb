/**
 * @module Node only: HEIC/HEIF thumbnails through libheif-js's WASM build, for when sharp cannot decode the file
 * (its prebuilt libvips has libheif for AVIF but no HEVC decoder). libheif decodes the primary image upright,
 * sharp scales and encodes it. See: [Note: HEIC through libheif-js]
 */
import { createRequire } from 'node:module';
import { err, ok } from '../result';
import { readRange } from './file-source';
import { createHeifDecoder, type HeifDecoderOptions, type Libheif, whenLibheifReady } from './heif-decode';
import { thumbnailsOfPixels } from './sharp-thumbnails';
import type { ThumbnailMaker } from './thumbnails';

const HEIF_TYPES = new Set(['image/heic', 'image/heif']);

/** The package's glue and .wasm beside it (the glue finds it from its own directory); initialises at once. */
const loadLibheifInNode = (): Promise<Libheif> => {
  const require = createRequire(import.meta.url);
  const create = require('libheif-js/libheif-wasm/libheif.js') as (
    options: Record<string, unknown>,
  ) => Libheif;
  return whenLibheifReady(create);
};

export const createHeifThumbnailMaker = (options: HeifDecoderOptions = {}): ThumbnailMaker => {
  const decoder = createHeifDecoder(loadLibheifInNode, options);
  return {
    async make(source, media) {
      if (!HEIF_TYPES.has(media.mime)) return err({ type: 'CannotDecode', mime: media.mime });
      const bytes = await readRange(source, 0, source.size);
      const thumbnails = await decoder.decode(bytes, (pixels) => thumbnailsOfPixels(pixels, media));
      return thumbnails ? ok(thumbnails) : err({ type: 'CannotDecode', mime: media.mime });
    },
  };
};
