/**
 * EXIF of HEIF files that exifr cannot locate itself (libheif writes iloc base offsets, which exifr 7.1.3 ignores),
 * on the committed fixtures (fixtures/heic/README.md).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fileSourceFromBytes } from './file-source';
import { heifExifRange } from './heif-exif';
import { EXIF_HEAD_BYTES, readPhotoMetadata } from './photo-metadata';

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`fixtures/heic/${name}`, import.meta.url)));

const isTiffHeader = (bytes: Uint8Array) =>
  (bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a && bytes[3] === 0) ||
  (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 0x2a);

describe('EXIF in HEIF files', () => {
  it("finds the Exif item through iloc's base offset: a TIFF header after the item's 4-byte offset", async () => {
    const bytes = await fixture('quadrants-irot.heic');
    const range = heifExifRange(bytes);
    if (!range) throw new Error('no Exif item found');
    const item = bytes.subarray(range.offset, range.offset + range.length);
    const tiffAt = 4 + new DataView(item.buffer, item.byteOffset).getUint32(0);
    expect(isTiffHeader(item.subarray(tiffAt))).toBe(true);
  });

  it('reads the orientation a phone writes beside irot (kept as a fact; the thumbnails are already upright)', async () => {
    const bytes = await fixture('quadrants-irot.heic');
    const metadata = await readPhotoMetadata(fileSourceFromBytes(bytes, 'IMG_0001.HEIC'));
    expect(metadata.exif.orientation).toBe(6);
  });

  it('reads an Exif item that lies past the head of the file', async () => {
    const bytes = await fixture('quadrants-irot.heic');
    const range = heifExifRange(bytes)!;
    // Move the item past EXIF_HEAD_BYTES, in a `free` box at the end, and point iloc at it. libheif writes the
    // item's place as iloc's 4-byte base offset (extent offset 0): that field is rewritten.
    const padding = EXIF_HEAD_BYTES + 4096;
    const moved = new Uint8Array(bytes.length + 8 + padding + range.length);
    moved.set(bytes);
    const free = new DataView(moved.buffer, bytes.length, 8);
    free.setUint32(0, 8 + padding + range.length);
    moved.set([0x66, 0x72, 0x65, 0x65], bytes.length + 4); // 'free'
    const newOffset = bytes.length + 8 + padding;
    moved.set(bytes.subarray(range.offset, range.offset + range.length), newOffset);
    const view = new DataView(moved.buffer);
    const iloc = Buffer.from(bytes).indexOf('iloc');
    let rewritten = 0;
    for (let at = iloc; at < iloc + 200; at++) {
      if (view.getUint32(at) === range.offset) {
        view.setUint32(at, newOffset);
        rewritten += 1;
      }
    }
    expect(rewritten).toBe(1);
    expect(heifExifRange(moved.subarray(0, EXIF_HEAD_BYTES))).toEqual({
      offset: newOffset,
      length: range.length,
    });
    const metadata = await readPhotoMetadata(fileSourceFromBytes(moved, 'IMG_0002.HEIC'));
    expect(metadata.exif.orientation).toBe(6);
  });

  it('finds nothing in a HEIC without EXIF, a truncated one or a JPEG', async () => {
    const plain = await fixture('quadrants.heic');
    expect(heifExifRange(plain)).toBeNull();
    expect((await readPhotoMetadata(fileSourceFromBytes(plain, 'a.heic'))).exif).toEqual({});
    const rotated = await fixture('quadrants-irot.heic');
    expect(heifExifRange(rotated.subarray(0, 120))).toBeNull(); // cut inside the meta box
    expect(
      heifExifRange(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0, 16, 0x45, 0x78, 0x69, 0x66, 0, 0])),
    ).toBeNull();
  });
});
