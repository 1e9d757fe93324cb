/**
 * HEIC thumbnails in Node through libheif-js's WASM build, on the committed fixtures (fixtures/heic/README.md):
 * four coloured quadrants, one stored turned with an irot transform and EXIF orientation 6 as a phone writes it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createNodeThumbnailMaker } from './ffmpeg-thumbnails';
import { fileSourceFromBytes } from './file-source';
import { createHeifDecoder, type Libheif, whenLibheifReady } from './heif-decode';
import { createHeifThumbnailMaker } from './heif-thumbnails';
import { SNIFF_BYTES, sniffMediaType } from './media-type';
import { createSharpThumbnailMaker } from './sharp-thumbnails';

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`fixtures/heic/${name}`, import.meta.url)));

const sourceOf = (bytes: Uint8Array, name: string) => ({
  source: fileSourceFromBytes(bytes, name),
  media: sniffMediaType(bytes.subarray(0, SNIFF_BYTES)),
});

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const YELLOW = [255, 255, 0];

/** A JPEG's size and the colours at the centres of its quadrants (top left, top right, bottom left, right). */
const describeJpeg = async (jpeg: Uint8Array) => {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  expect(jpeg.subarray(0, 3)).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
  const at = (fx: number, fy: number) => {
    const offset = (Math.floor(info.height * fy) * info.width + Math.floor(info.width * fx)) * info.channels;
    return [...data.subarray(offset, offset + 3)];
  };
  return {
    size: [info.width, info.height],
    quadrants: [at(0.25, 0.25), at(0.75, 0.25), at(0.25, 0.75), at(0.75, 0.75)],
  };
};

const expectQuadrants = (quadrants: number[][]) => {
  quadrants.forEach((pixel, i) => {
    const want = [RED, GREEN, BLUE, YELLOW][i]!;
    const distance = Math.max(...pixel.map((value, c) => Math.abs(value - want[c]!)));
    expect(distance, `quadrant ${i}: ${pixel} is not ${want}`).toBeLessThan(40);
  });
};

describe('HEIC thumbnails with libheif-js', () => {
  const maker = createHeifThumbnailMaker();

  it('makes an upright thumbnail and, since browsers other than Safari cannot show a HEIC, a preview', async () => {
    const { source, media } = sourceOf(await fixture('quadrants.heic'), 'quadrants.heic');
    expect(media).toEqual({ mime: 'image/heic', kind: 'image' });
    const made = await maker.make(source, media);
    if (!made.ok) throw new Error('no thumbnails');
    expect([made.value.width, made.value.height]).toEqual([64, 48]);
    const thumbnail = await describeJpeg(made.value.thumbnail);
    expect(thumbnail.size).toEqual([64, 48]); // never enlarged
    expectQuadrants(thumbnail.quadrants);
    if (!made.value.preview) throw new Error('no preview');
    const preview = await describeJpeg(made.value.preview);
    expect(preview.size).toEqual([64, 48]);
    expectQuadrants(preview.quadrants);
  });

  it('turns a photo stored on its side upright once: irot applied, the EXIF orientation not again', async () => {
    const { source, media } = sourceOf(await fixture('quadrants-irot.heic'), 'quadrants-irot.heic');
    const made = await maker.make(source, media);
    if (!made.ok) throw new Error('no thumbnails');
    expect([made.value.width, made.value.height]).toEqual([64, 48]);
    const thumbnail = await describeJpeg(made.value.thumbnail);
    expect(thumbnail.size).toEqual([64, 48]);
    expectQuadrants(thumbnail.quadrants);
  });

  it('scales a large photo to a ~256 px thumbnail and a ~1280 px preview', async () => {
    const { source, media } = sourceOf(await fixture('quadrants-2000x1500.heic'), 'big.heic');
    const made = await maker.make(source, media);
    if (!made.ok) throw new Error('no thumbnails');
    expect([made.value.width, made.value.height]).toEqual([2000, 1500]);
    const thumbnail = await describeJpeg(made.value.thumbnail);
    expect(thumbnail.size).toEqual([256, 192]);
    expectQuadrants(thumbnail.quadrants);
    const preview = await describeJpeg(made.value.preview!);
    expect(preview.size).toEqual([1280, 960]);
    expectQuadrants(preview.quadrants);
  });

  it("is Node's fallback when sharp cannot decode a HEIC (its prebuilt libvips has no HEVC)", async () => {
    const { source, media } = sourceOf(await fixture('quadrants-irot.heic'), 'quadrants-irot.heic');
    expect((await createSharpThumbnailMaker().make(source, media)).ok).toBe(false);
    const made = await createNodeThumbnailMaker().make(source, media);
    if (!made.ok) throw new Error('no thumbnails');
    expectQuadrants((await describeJpeg(made.value.thumbnail)).quadrants);
  });

  it('answers CannotDecode for a broken HEIC, and still decodes the next file', async () => {
    const good = await fixture('quadrants.heic');
    const broken = good.slice(0, 400); // the header and part of the meta box: no image data
    const one = sourceOf(broken, 'broken.heic');
    expect(one.media.mime).toBe('image/heic');
    expect(await maker.make(one.source, one.media)).toEqual({
      ok: false,
      error: { type: 'CannotDecode', mime: 'image/heic' },
    });
    const two = sourceOf(good, 'good.heic');
    expect((await maker.make(two.source, two.media)).ok).toBe(true);
  });

  it('does not decode an image larger than the pixel limit', async () => {
    const limited = createHeifThumbnailMaker({ maxPixels: 64 * 48 - 1 });
    const { source, media } = sourceOf(await fixture('quadrants.heic'), 'quadrants.heic');
    expect((await limited.make(source, media)).ok).toBe(false);
  });
});

describe('the HEIF decoder', () => {
  const loadCounted = () => {
    const counter = { loads: 0 };
    const require = createRequire(import.meta.url);
    const create = require('libheif-js/libheif-wasm/libheif.js') as (o: Record<string, unknown>) => Libheif;
    const load = () => {
      counter.loads += 1;
      return whenLibheifReady(create);
    };
    return { counter, load };
  };

  it('decodes one file at a time, so a view into the WASM memory is never moved under its reader', async () => {
    const { load } = loadCounted();
    const decoder = createHeifDecoder(load);
    const bytes = await fixture('quadrants.heic');
    let reading = 0;
    let mostAtOnce = 0;
    const read = async () => {
      reading += 1;
      mostAtOnce = Math.max(mostAtOnce, reading);
      await new Promise((resolve) => setTimeout(resolve, 20));
      reading -= 1;
      return true;
    };
    const results = await Promise.all([decoder.decode(bytes, read), decoder.decode(bytes, read)]);
    expect(results).toEqual([true, true]);
    expect(mostAtOnce).toBe(1);
  });

  it('loads the module at the first HEIC, keeps it while files come, and drops it once idle', async () => {
    const { counter, load } = loadCounted();
    const decoder = createHeifDecoder(load, { idleMs: 50 });
    const bytes = await fixture('quadrants.heic');
    expect(counter.loads).toBe(0);
    const size = ({ width, height }: { width: number; height: number }) => [width, height];
    expect(await decoder.decode(bytes, size)).toEqual([64, 48]);
    expect(await decoder.decode(bytes, size)).toEqual([64, 48]);
    expect(counter.loads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await decoder.decode(bytes, size)).toEqual([64, 48]);
    expect(counter.loads).toBe(2);
  });
});
