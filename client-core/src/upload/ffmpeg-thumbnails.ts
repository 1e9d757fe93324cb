/**
 * @module Node only, optional: video thumbnails from a frame, with the `ffmpeg` binary if the machine has one
 * (it is not a dependency: Debian's `apt-get install ffmpeg`, or any ffmpeg on the PATH). Without it, or for a
 * video ffmpeg cannot read, the video is CannotDecode: stored and downloadable, without thumbnails (the UI shows
 * a video placeholder). The frame is taken about a second in (the first is often black), else the first one;
 * ffmpeg turns it upright from the video's rotation. Nothing is written to disk: ffmpeg reads the file by its
 * path (or its bytes on stdin) and answers a PNG on stdout, which sharp scales.
 */
import { spawn } from 'node:child_process';
import { err, ok } from '../result';
import { readRange } from './file-source';
import { createHeifThumbnailMaker } from './heif-thumbnails';
import { createSharpThumbnailMaker, thumbnailsOfImage } from './sharp-thumbnails';
import type { ThumbnailMaker } from './thumbnails';

export interface FfmpegOptions {
  /** Default: `ffmpeg` on the PATH. */
  readonly ffmpegPath?: string;
  /** A video ffmpeg has not answered for within this is CannotDecode. */
  readonly timeoutMs?: number;
}

/** ffmpeg's answer: a PNG of one frame, empty when there is no frame at that time; null when it cannot run. */
const extractFrame = (
  ffmpegPath: string,
  input: { path: string } | { bytes: Uint8Array },
  atSeconds: number,
  timeoutMs: number,
): Promise<Uint8Array | null> =>
  new Promise((resolve) => {
    const seek = atSeconds > 0 ? ['-ss', String(atSeconds)] : [];
    const source = 'path' in input ? input.path : 'pipe:0';
    const args = ['-v', 'error', '-nostdin', ...seek, '-i', source, '-frames:v', '1', '-f', 'image2pipe'];
    const child = spawn(ffmpegPath, [...args, '-c:v', 'png', 'pipe:1'], {
      stdio: ['bytes' in input ? 'pipe' : 'ignore', 'pipe', 'ignore'],
    });
    const pieces: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout?.on('data', (piece: Buffer) => pieces.push(piece));
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null); // no such binary
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? new Uint8Array(Buffer.concat(pieces)) : null);
    });
    if ('bytes' in input && child.stdin) {
      child.stdin.on('error', () => {}); // ffmpeg may stop reading once it has its frame
      child.stdin.end(input.bytes);
    }
  });

/** The first line `ffmpeg -version` prints ("ffmpeg version 5.1.6 ..."), or null without a working ffmpeg. */
export const ffmpegVersion = (ffmpegPath = 'ffmpeg'): Promise<string | null> =>
  new Promise((resolve) => {
    const child = spawn(ffmpegPath, ['-version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout?.on('data', (piece: Buffer) => {
      output += piece.toString();
    });
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? (output.split('\n')[0] ?? '') : null));
  });

export const createFfmpegThumbnailMaker = (options: FfmpegOptions = {}): ThumbnailMaker => {
  const ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async make(source, media) {
      if (media.kind !== 'video') return err({ type: 'CannotDecode', mime: media.mime });
      const input = source.reopenRef
        ? { path: source.reopenRef }
        : { bytes: await readRange(source, 0, source.size) };
      for (const at of [1, 0]) {
        const frame = await extractFrame(ffmpegPath, input, at, timeoutMs);
        if (frame === null) break;
        if (frame.length === 0) continue; // shorter than a second: take the first frame
        try {
          return ok(await thumbnailsOfImage(frame, media));
        } catch {
          break;
        }
      }
      return err({ type: 'CannotDecode', mime: media.mime });
    },
  };
};

/**
 * Node's thumbnails: images with sharp, and HEIC that sharp cannot decode with libheif-js; videos with ffmpeg
 * where it is installed.
 */
export const createNodeThumbnailMaker = (options: FfmpegOptions = {}): ThumbnailMaker => {
  const images = createSharpThumbnailMaker();
  const heif = createHeifThumbnailMaker();
  const videos = createFfmpegThumbnailMaker(options);
  return {
    async make(source, media) {
      if (media.kind === 'video') return videos.make(source, media);
      const made = await images.make(source, media);
      return made.ok || media.mime !== 'image/heic' ? made : heif.make(source, media);
    },
  };
};
