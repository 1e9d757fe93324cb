/**
 * @module Page only (it needs the DOM): one frame of a video as an ImageBitmap, for the worker's thumbnailer
 * (canvas-thumbnails.ts, `grabVideoFrame`). The video plays nowhere: a muted, detached <video> is loaded from an
 * object URL, seeked to about a second in (the first frame is often black) and drawn. Answers null when the
 * browser cannot play the file (its codec, a broken file) or takes longer than `timeoutMs`.
 */

/** Where the frame is taken: this far in, or halfway through a shorter video. */
const FRAME_AT_SECONDS = 1;

const next = (target: EventTarget, event: string, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const fail = () => reject(new Error(`video ${event} failed`));
    target.addEventListener(event, () => resolve(), { once: true, signal });
    target.addEventListener('error', fail, { once: true, signal });
    signal.addEventListener('abort', fail, { once: true });
  });

export const grabVideoFrame = async (video: Blob, timeoutMs = 20_000): Promise<ImageBitmap | null> => {
  const url = URL.createObjectURL(video);
  const element = document.createElement('video');
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  try {
    element.muted = true;
    element.playsInline = true;
    element.preload = 'auto';
    const loaded = next(element, 'loadeddata', stop.signal);
    element.src = url;
    await loaded;
    // Recorded WebM often has no duration in its header (Infinity): its first frame is the one to take.
    const duration = element.duration;
    const at = Number.isFinite(duration) ? Math.min(FRAME_AT_SECONDS, duration / 2) : 0;
    if (at > 0) {
      const seeked = next(element, 'seeked', stop.signal);
      element.currentTime = at;
      await seeked;
    }
    if (element.videoWidth === 0 || element.videoHeight === 0) return null;
    return await createImageBitmap(element);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    stop.abort();
    element.removeAttribute('src');
    element.load();
    URL.revokeObjectURL(url);
  }
};
