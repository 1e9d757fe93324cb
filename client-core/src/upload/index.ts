/**
 * @module The upload and download API of client-core, for the browser worker and Node alike. Node-only pieces
 * (fileSourceFromPath, createSharpThumbnailMaker) are imported from their files, so a browser bundle never pulls
 * in node:fs or sharp.
 */
export { type BlobApi, type BucketApi, createFetchBlobApi, type FetchBlobApiOptions } from './blob-api';
export {
  type CanvasThumbnailOptions,
  createCanvasThumbnailMaker,
  type GrabVideoFrame,
} from './canvas-thumbnails';
export { createContentHashLookup } from './content-hash-lookup';
export { type FileSource, fileSourceFromBlob, fileSourceFromBytes } from './file-source';
export {
  createHeifDecoder,
  type HeifDecoder,
  type HeifDecoderOptions,
  type Libheif,
  whenLibheifReady,
} from './heif-decode';
export { type MediaType, sniffMediaType } from './media-type';
export {
  type BackfillReport,
  backfillThumbnails,
  type ThumbnailBackfillDeps,
  type TriedPhotos,
  triedPhotosIn,
} from './thumbnail-backfill';
export { noThumbnails, type ThumbnailMaker, type Thumbnails } from './thumbnails';
export type { UploadFailure } from './upload-job';
export type { UploadStateStore } from './upload-state';
export {
  type BatchProgress,
  createUploader,
  type FileProgress,
  type FileStatus,
  type UploadEvent,
  type Uploader,
  type UploaderDeps,
} from './uploader';
export { grabVideoFrame } from './video-frame';
