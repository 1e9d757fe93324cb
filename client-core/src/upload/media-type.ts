/**
 * @module What a file is, from its first bytes rather than its name: the image formats every platform shows
 * (JPEG, PNG, WebP, GIF, AVIF), HEIC (shown where the platform decodes it), and videos (stored, a thumbnail from a
 * frame where the platform can). Anything else is stored as a plain file.
 */

export type MediaKind = 'image' | 'video' | 'other';

export interface MediaType {
  readonly mime: string;
  readonly kind: MediaKind;
}

/** Bytes the sniffer needs from the start of the file. */
export const SNIFF_BYTES = 64;

const ascii = (bytes: Uint8Array, at: number, text: string) =>
  [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b);

/** ISO base media (MP4, MOV, HEIC, AVIF): the major brand and compatible brands of the `ftyp` box. */
const isoBrands = (head: Uint8Array): string[] => {
  if (!ascii(head, 4, 'ftyp')) return [];
  const boxSize = Math.min(
    head.length,
    ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0,
  );
  const brands: string[] = [];
  for (let at = 8; at + 4 <= boxSize; at += at === 8 ? 8 : 4) {
    brands.push(String.fromCharCode(...head.subarray(at, at + 4)));
  }
  return brands;
};

export const sniffMediaType = (head: Uint8Array, declared = ''): MediaType => {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', kind: 'image' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { mime: 'image/png', kind: 'image' };
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return { mime: 'image/gif', kind: 'image' };
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return { mime: 'image/webp', kind: 'image' };
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { mime: 'video/webm', kind: 'video' };
  const brands = isoBrands(head);
  if (brands.some((b) => b === 'avif' || b === 'avis')) return { mime: 'image/avif', kind: 'image' };
  if (brands.some((b) => ['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1'].includes(b))) {
    return { mime: 'image/heic', kind: 'image' };
  }
  if (brands[0] === 'qt  ') return { mime: 'video/quicktime', kind: 'video' };
  if (brands.length > 0) return { mime: 'video/mp4', kind: 'video' };
  if (declared.startsWith('video/')) return { mime: declared, kind: 'video' };
  return { mime: declared || 'application/octet-stream', kind: 'other' };
};
