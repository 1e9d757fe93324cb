/**
 * @module The Node-only upload pieces (`@halyon/client-core/upload/node`): files by path, thumbnails with sharp
 * (HEIC with libheif-js), and a fetch that streams request bodies with backpressure. Kept out of the main entry
 * so browser bundles never see node:fs, node:http or sharp.
 */

export {
  createFfmpegThumbnailMaker,
  createNodeThumbnailMaker,
  type FfmpegOptions,
  ffmpegVersion,
} from './ffmpeg-thumbnails';
export { createHeifThumbnailMaker } from './heif-thumbnails';
export { fileSourceFromPath } from './node-file-source';
export { createNodeUploadFetch } from './node-upload-fetch';
export { createSharpThumbnailMaker } from './sharp-thumbnails';
