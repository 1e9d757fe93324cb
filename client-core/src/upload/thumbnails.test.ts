import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fileSourceFromBytes } from './file-source';
import { sniffMediaType } from './media-type';
import { createSharpThumbnailMaker } from './sharp-thumbnails';
import { PREVIEW_EDGE_PX, previewNeeded, THUMBNAIL_EDGE_PX } from './thumbnails';

const image = (mime: string) => ({ mime, kind: 'image' as const });

describe('previewNeeded', () => {
  it('skips the preview of an original no larger than the preview in a format every browser shows', () => {
    for (const mime of ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']) {
      expect(previewNeeded(image(mime), 900, 675)).toBe(false);
      expect(previewNeeded(image(mime), PREVIEW_EDGE_PX, 800)).toBe(false);
      expect(previewNeeded(image(mime), 800, PREVIEW_EDGE_PX + 1)).toBe(true);
    }
  });

  it('makes one for a small original that not every browser shows (HEIC decoded by Safari)', () => {
    expect(previewNeeded(image('image/heic'), 900, 675)).toBe(true);
  });

  it("keeps a video's frame preview only above the preview size (the viewer plays the original)", () => {
    expect(previewNeeded({ mime: 'video/mp4', kind: 'video' }, 640, 360)).toBe(false);
    expect(previewNeeded({ mime: 'video/mp4', kind: 'video' }, 1920, 1080)).toBe(true);
  });
});

describe('sharp thumbnail maker', () => {
  const jpeg = (width: number, height: number, orientation?: number) => {
    const made = sharp({
      create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } },
    }).jpeg();
    return (orientation ? made.withMetadata({ orientation }) : made).toBuffer();
  };
  const make = async (bytes: Buffer) => {
    const source = fileSourceFromBytes(new Uint8Array(bytes), 'photo.jpg', 'image/jpeg');
    const made = await createSharpThumbnailMaker().make(source, sniffMediaType(new Uint8Array(bytes)));
    if (!made.ok) throw new Error('not decoded');
    return made.value;
  };
  const sizeOf = async (bytes: Uint8Array) => {
    const { width, height } = await sharp(bytes).metadata();
    return [width, height];
  };

  it('makes only a grid thumbnail for a small JPEG: the viewer shows the original', async () => {
    const made = await make(await jpeg(900, 675));
    expect([made.width, made.height]).toEqual([900, 675]);
    expect(await sizeOf(made.thumbnail)).toEqual([THUMBNAIL_EDGE_PX, 192]);
    expect(made.preview).toBeNull();
  });

  it('makes a preview for a larger one, and answers the size as displayed (EXIF orientation)', async () => {
    const made = await make(await jpeg(2000, 1000, 6));
    expect([made.width, made.height]).toEqual([1000, 2000]);
    expect(await sizeOf(made.preview!)).toEqual([640, PREVIEW_EDGE_PX]);
    expect(await sizeOf(made.thumbnail)).toEqual([128, THUMBNAIL_EDGE_PX]);
  });
});
