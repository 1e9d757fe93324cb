/**
 * Video thumbnails in Node through an ffmpeg binary, which is optional. The machine running the tests may have
 * none, so the contract with it (arguments in, one PNG frame out) is checked with stand-in scripts, and with the
 * real ffmpeg where one is installed.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFfmpegThumbnailMaker, createNodeThumbnailMaker, ffmpegVersion } from './ffmpeg-thumbnails';
import { fileSourceFromBytes } from './file-source';
import { sniffMediaType } from './media-type';
import { fileSourceFromPath } from './node-file-source';

const hasFfmpeg = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
let videoPath: string;
const mp4 = { kind: 'video', mime: 'video/mp4' } as const;

/** A stand-in ffmpeg: logs its arguments, and prints the frame unless asked to seek past a 0.5 s video. */
const standIn = async (name: string, shortVideo: boolean) => {
  const path = join(dir, name);
  const seekFails = shortVideo ? 'case "$*" in *"-ss 1"*) exit 0;; esac\n' : '';
  await writeFile(path, `#!/bin/sh\necho "$*" >> "${path}.log"\n${seekFails}cat "${dir}/frame.png"\n`);
  await chmod(path, 0o755);
  return path;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'halyon-ffmpeg-test-'));
  // A 1920x1080 frame: red on the left half, blue on the right.
  const half = { width: 960, height: 1080, channels: 3 } as const;
  const frame = await sharp({ create: { ...half, width: 1920, background: '#0000ff' } })
    .composite([{ input: { create: { ...half, background: '#ff0000' } }, left: 0, top: 0 }])
    .png()
    .toBuffer();
  await writeFile(join(dir, 'frame.png'), frame);
  videoPath = join(dir, 'clip.mp4');
  await writeFile(videoPath, Buffer.from('00000018667479706d703432', 'hex')); // an ftyp box: sniffed as MP4
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('video thumbnails with ffmpeg', () => {
  it('takes a frame a second in from the file by its path, and scales it to a thumbnail and a preview', async () => {
    const ffmpegPath = await standIn('ffmpeg-long', false);
    const made = await createFfmpegThumbnailMaker({ ffmpegPath }).make(
      await fileSourceFromPath(videoPath),
      mp4,
    );
    if (!made.ok) throw new Error('no thumbnails');
    expect([made.value.width, made.value.height]).toEqual([1920, 1080]);
    const thumbnail = await sharp(made.value.thumbnail).metadata();
    expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(['jpeg', 256, 144]);
    expect((await sharp(made.value.preview!).metadata()).width).toBe(1280);
    const { data } = await sharp(made.value.thumbnail).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(200); // red at the top left
    const calls = (await readFile(`${ffmpegPath}.log`, 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain(`-ss 1 -i ${videoPath} -frames:v 1`);
  });

  it('takes the first frame of a video shorter than a second, and reads bytes without a path from stdin', async () => {
    const ffmpegPath = await standIn('ffmpeg-short', true);
    const source = fileSourceFromBytes(await readFile(videoPath), 'clip.mp4');
    const made = await createFfmpegThumbnailMaker({ ffmpegPath }).make(source, mp4);
    expect(made.ok).toBe(true);
    const calls = (await readFile(`${ffmpegPath}.log`, 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[1]).toContain('-i pipe:0 -frames:v 1');
    expect(calls[1]).not.toContain('-ss');
  });

  it('answers CannotDecode without an ffmpeg binary, so the video is stored without thumbnails', async () => {
    const maker = createNodeThumbnailMaker({ ffmpegPath: join(dir, 'no-such-ffmpeg') });
    expect(await maker.make(await fileSourceFromPath(videoPath), mp4)).toEqual({
      ok: false,
      error: { type: 'CannotDecode', mime: 'video/mp4' },
    });
    // Images still go to sharp.
    const png = await readFile(join(dir, 'frame.png'));
    const image = fileSourceFromBytes(png, 'frame.png');
    expect((await maker.make(image, sniffMediaType(png, ''))).ok).toBe(true);
  });

  it.runIf(hasFfmpeg)('makes a frame thumbnail of a real video with the installed ffmpeg', async () => {
    const path = join(dir, 'real.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=duration=2:size=640x360:rate=10',
      path,
    ]);
    const made = await createNodeThumbnailMaker().make(await fileSourceFromPath(path), mp4);
    if (!made.ok) throw new Error('no thumbnails');
    expect([made.value.width, made.value.height, made.value.preview]).toEqual([640, 360, null]);
  });
});

describe('ffmpegVersion', () => {
  it('answers the first line ffmpeg prints, or null without one', async () => {
    const path = join(dir, 'ffmpeg-version');
    await writeFile(path, '#!/bin/sh\necho "ffmpeg version 9.9 stand-in"\necho "built with nothing"\n');
    await chmod(path, 0o755);
    expect(await ffmpegVersion(path)).toBe('ffmpeg version 9.9 stand-in');
    expect(await ffmpegVersion(join(dir, 'no-such-ffmpeg'))).toBeNull();
  });
});
