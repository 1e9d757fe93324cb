import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { uniqueFileNames } from '../download/download';
import { sniffMediaType } from './media-type';
import { cutInto } from './send-blob';

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const ftyp = (major: string, ...compatible: string[]) => {
  const size = 16 + 4 * compatible.length;
  return new Uint8Array([
    0,
    0,
    0,
    size,
    ...ascii('ftyp'),
    ...ascii(major),
    0,
    0,
    0,
    0,
    ...compatible.flatMap(ascii),
  ]);
};

describe('sniffMediaType', () => {
  it('tells the image formats apart by their bytes, whatever the file is called', async () => {
    const image = sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } });
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif'] as const) {
      const bytes = new Uint8Array(await image.clone().toFormat(format).toBuffer());
      expect(sniffMediaType(bytes.subarray(0, 64), 'application/octet-stream')).toEqual({
        mime: `image/${format}`,
        kind: 'image',
      });
    }
  });

  it('recognises HEIC, MP4, QuickTime and WebM, and leaves anything else a plain file', () => {
    expect(sniffMediaType(ftyp('heic', 'mif1', 'heic'))).toEqual({ mime: 'image/heic', kind: 'image' });
    expect(sniffMediaType(ftyp('mif1', 'heix'))).toEqual({ mime: 'image/heic', kind: 'image' });
    expect(sniffMediaType(ftyp('isom', 'isom', 'mp41'))).toEqual({ mime: 'video/mp4', kind: 'video' });
    expect(sniffMediaType(ftyp('qt  ', 'qt  '))).toEqual({ mime: 'video/quicktime', kind: 'video' });
    expect(sniffMediaType(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1]))).toEqual({
      mime: 'video/webm',
      kind: 'video',
    });
    expect(sniffMediaType(new TextEncoder().encode('hello'), 'text/plain')).toEqual({
      mime: 'text/plain',
      kind: 'other',
    });
  });
});

describe('cutInto', () => {
  it('cuts pieces of any size into parts of exactly the part size, the last one shorter', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    async function* pieces() {
      for (const [start, end] of [
        [0, 7],
        [7, 300],
        [300, 301],
        [301, 1000],
      ] as const)
        yield bytes.subarray(start, end);
    }
    const parts: Uint8Array[] = [];
    for await (const part of cutInto(pieces(), 256)) parts.push(part.slice());
    expect(parts.map((p) => p.length)).toEqual([256, 256, 256, 232]);
    expect(Buffer.concat(parts).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('uniqueFileNames', () => {
  it('numbers repeated names in a zip, ignoring case, keeping the extension', () => {
    expect(uniqueFileNames(['IMG_1.JPG', 'img_1.jpg', 'IMG_1.JPG', 'notes'])).toEqual([
      'IMG_1.JPG',
      'img_1 (2).jpg',
      'IMG_1 (3).JPG',
      'notes',
    ]);
  });
});
