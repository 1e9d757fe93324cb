/// <reference lib="dom" />
/**
 * Fixture page for upload-thumbnails.spec.ts: runs the canvas thumbnailer in a worker, answers its video frame
 * requests with client-core's grabVideoFrame (the DOM part), records a WebM to test with, and reports what the
 * thumbnails look like (their size and two pixels) on `window.thumbnails`.
 */
import { grabVideoFrame } from '../../client-core/src/upload/video-frame';
import type { FromWorker, ImageReport, ThumbnailReport, ToWorker } from './protocol';

const worker = new Worker(new URL('./thumbnails.worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);
const waiting = new Map<number, (report: ThumbnailReport) => void>();
let nextRequest = 0;

const describeImage = async (bytes: Uint8Array, type: string): Promise<ImageReport> => {
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixel = (x: number, y: number) => [...context.getImageData(x, y, 1, 1).data.subarray(0, 3)];
  const at = (fraction: number) =>
    width >= height
      ? pixel(Math.floor(width * fraction), Math.floor(height / 2))
      : pixel(Math.floor(width / 2), Math.floor(height * fraction));
  const quadrant = (fx: number, fy: number) => pixel(Math.floor(width * fx), Math.floor(height * fy));
  const quadrants = [quadrant(0.25, 0.25), quadrant(0.75, 0.25), quadrant(0.25, 0.75), quadrant(0.75, 0.75)];
  return { type, width, height, first: at(0.25), last: at(0.75), quadrants };
};

const typeOf = (bytes: Uint8Array) => (bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : 'unknown');

worker.onmessage = async (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (message.type === 'grab-frame') {
    const frame = await grabVideoFrame(message.video);
    send({ type: 'frame', requestId: message.requestId, frame }, frame ? [frame] : []);
    return;
  }
  const { result } = message;
  const report: ThumbnailReport = result.ok
    ? {
        ok: true,
        mime: result.mime,
        libheifLoads: result.libheifLoads,
        width: result.width,
        height: result.height,
        thumbnail: await describeImage(result.thumbnail, typeOf(result.thumbnail)),
        preview: result.preview && (await describeImage(result.preview, typeOf(result.preview))),
      }
    : result;
  waiting.get(message.requestId)?.(report);
  waiting.delete(message.requestId);
};

const thumbnailsOf = (file: File) =>
  new Promise<ThumbnailReport>((resolve) => {
    const requestId = nextRequest++;
    waiting.set(requestId, resolve);
    send({ type: 'make', requestId, file });
  });

/** A 640x360 WebM (VP8), 1.5 s long: red on the left half, blue on the right, as the images are. */
const recordVideo = async (): Promise<File> => {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const context = canvas.getContext('2d')!;
  const paint = () => {
    context.fillStyle = '#0000ff';
    context.fillRect(0, 0, 640, 360);
    context.fillStyle = '#ff0000';
    context.fillRect(0, 0, 320, 360);
  };
  paint();
  const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm;codecs=vp8' });
  const pieces: Blob[] = [];
  recorder.ondataavailable = (event) => pieces.push(event.data);
  const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
  const painter = setInterval(paint, 30); // captureStream sends a frame when the canvas is drawn
  recorder.start(250);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  recorder.stop();
  await stopped;
  clearInterval(painter);
  return new File(pieces, 'clip.webm', { type: 'video/webm' });
};

Object.assign(window, {
  thumbnails: {
    /** Each file (base64, fetched by the spec) through the worker's thumbnailer. */
    async ofFiles(files: readonly { name: string; base64: string }[]) {
      const reports: Record<string, ThumbnailReport> = {};
      for (const { name, base64 } of files) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        reports[name] = await thumbnailsOf(new File([bytes], name));
      }
      return reports;
    },
    async ofRecordedVideo() {
      return thumbnailsOf(await recordVideo());
    },
    /** A video the browser cannot play: its bytes are not a video at all past the header. */
    async ofBrokenVideo() {
      const bytes = new Uint8Array(4096);
      bytes.set([0x1a, 0x45, 0xdf, 0xa3]); // the EBML magic: sniffed as WebM
      return thumbnailsOf(new File([bytes], 'broken.webm'));
    },
  },
});
document.getElementById('status')!.textContent = 'ready';
