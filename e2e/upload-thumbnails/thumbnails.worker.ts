/**
 * Fixture worker: the upload pipeline's canvas thumbnailer as the app's worker runs it (createImageBitmap and
 * OffscreenCanvas in a worker). For videos it asks the page for a frame, the way the app injects the page's
 * grabVideoFrame: the file goes to the page, only its pixels come back. HEIC that Chromium cannot decode goes to
 * libheif-js, loaded with the app's own loader (web/src/worker/load-libheif.ts) when the first one comes.
 */
import { createCanvasThumbnailMaker } from '../../client-core/src/upload/canvas-thumbnails';
import { fileSourceFromBlob, readRange } from '../../client-core/src/upload/file-source';
import { createHeifDecoder } from '../../client-core/src/upload/heif-decode';
import { SNIFF_BYTES, sniffMediaType } from '../../client-core/src/upload/media-type';
import type { FromWorker, MadeThumbnails, ToWorker } from './protocol';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;

const waitingFrames = new Map<number, (frame: ImageBitmap | null) => void>();
let nextFrameRequest = 0;
const grabVideoFrame = (video: Blob) =>
  new Promise<ImageBitmap | null>((resolve) => {
    const requestId = nextFrameRequest++;
    waitingFrames.set(requestId, resolve);
    scope.postMessage({ type: 'grab-frame', requestId, video });
  });

let libheifLoads = 0;
const heif = createHeifDecoder(() => {
  libheifLoads += 1;
  return import('../../web/src/worker/load-libheif').then((m) => m.loadLibheif());
});
const maker = createCanvasThumbnailMaker({ grabVideoFrame, heif });

const make = async (file: File): Promise<MadeThumbnails> => {
  const source = fileSourceFromBlob(file);
  const media = sniffMediaType(await readRange(source, 0, SNIFF_BYTES), file.type);
  const made = await maker.make(source, media);
  return made.ok
    ? { ok: true, mime: media.mime, libheifLoads, ...made.value }
    : { ok: false, mime: media.mime, error: made.error.type };
};

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'frame') {
    waitingFrames.get(message.requestId)?.(message.frame);
    waitingFrames.delete(message.requestId);
    return;
  }
  void make(message.file).then((result) =>
    scope.postMessage({ type: 'made', requestId: message.requestId, result }),
  );
};
