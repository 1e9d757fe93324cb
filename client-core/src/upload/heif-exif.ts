/**
 * @module Where a HEIF file keeps its EXIF: the `Exif` item named in `iinf`, located by `iloc` (ISO/IEC 14496-12
 * 8.11.3, 8.11.6; ISO/IEC 23008-12 A.2.1). exifr 7.1.3 finds it itself but ignores iloc's `base_offset`, which
 * libheif-written files use, and then reads the wrong bytes; photo-metadata.ts falls back to this. The answer is a
 * byte range of the file: the item's data is a 4-byte offset to the TIFF header, then the EXIF (TIFF) block.
 */

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

interface Box {
  readonly type: string;
  /** Where its content starts (after the size and type, and after version and flags for a full box). */
  readonly start: number;
  readonly end: number;
}

const fourcc = (view: DataView, at: number) =>
  String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));

/** The boxes between `start` and `end`; throws RangeError past the bytes there are. */
const boxesIn = (view: DataView, start: number, end: number): Box[] => {
  const boxes: Box[] = [];
  for (let at = start; at + 8 <= end; ) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at; // to the end of the enclosing box
    }
    if (size < header) throw new RangeError('box smaller than its header');
    boxes.push({ type: fourcc(view, at + 4), start: at + header, end: at + size });
    at += size;
  }
  return boxes;
};

const fullBox = (box: Box) => ({ ...box, start: box.start + 4 });

/** An unsigned integer of 0, 4 or 8 bytes, as iloc's field sizes allow. */
const uint = (view: DataView, at: number, bytes: number): number => {
  if (bytes === 0) return 0;
  if (bytes === 4) return view.getUint32(at);
  if (bytes === 8) return Number(view.getBigUint64(at));
  throw new RangeError(`field of ${bytes} bytes`);
};

const exifItemId = (view: DataView, iinf: Box): number | null => {
  const version = view.getUint8(iinf.start);
  const entries = fullBox(iinf);
  const first = entries.start + (version === 0 ? 2 : 4);
  for (const infe of boxesIn(view, first, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const infeVersion = view.getUint8(infe.start);
    if (infeVersion < 2) continue; // versions 0 and 1 have no item type
    const at = infe.start + 4;
    const id = infeVersion === 2 ? view.getUint16(at) : view.getUint32(at);
    const typeAt = at + (infeVersion === 2 ? 2 : 4) + 2; // after item_protection_index
    if (fourcc(view, typeAt) === 'Exif') return id;
  }
  return null;
};

const itemRange = (view: DataView, iloc: Box, wanted: number, idatStart: number | null): ByteRange | null => {
  const version = view.getUint8(iloc.start);
  let at = iloc.start + 4;
  const offsetSize = view.getUint8(at) >> 4;
  const lengthSize = view.getUint8(at) & 15;
  const baseOffsetSize = view.getUint8(at + 1) >> 4;
  const indexSize = version >= 1 ? view.getUint8(at + 1) & 15 : 0;
  at += 2;
  const itemCount = version < 2 ? view.getUint16(at) : view.getUint32(at);
  at += version < 2 ? 2 : 4;
  for (let i = 0; i < itemCount; i++) {
    const id = version < 2 ? view.getUint16(at) : view.getUint32(at);
    at += version < 2 ? 2 : 4;
    const method = version >= 1 ? view.getUint16(at) & 15 : 0;
    if (version >= 1) at += 2;
    at += 2; // data_reference_index
    const base = uint(view, at, baseOffsetSize);
    at += baseOffsetSize;
    const extents = view.getUint16(at);
    at += 2;
    if (id === wanted) {
      // One extent is what writers use for EXIF; a file offset (0) or one into idat (1).
      if (extents !== 1 || (method !== 0 && !(method === 1 && idatStart !== null))) return null;
      const offset = base + uint(view, at + indexSize, offsetSize);
      const length = uint(view, at + indexSize + offsetSize, lengthSize);
      return { offset: method === 1 ? (idatStart ?? 0) + offset : offset, length };
    }
    at += extents * (indexSize + offsetSize + lengthSize);
  }
  return null;
};

/** The EXIF item's bytes in a HEIF file whose `meta` box is within `head`; null when there is none or it is odd. */
export const heifExifRange = (head: Uint8Array): ByteRange | null => {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  try {
    if (head.length < 12 || fourcc(view, 4) !== 'ftyp') return null;
    const meta = boxesIn(view, 0, head.length).find((box) => box.type === 'meta');
    if (!meta || meta.end > head.length) return null;
    const children = boxesIn(view, meta.start + 4, meta.end);
    const iinf = children.find((box) => box.type === 'iinf');
    const iloc = children.find((box) => box.type === 'iloc');
    if (!iinf || !iloc) return null;
    const id = exifItemId(view, iinf);
    if (id === null) return null;
    const idat = children.find((box) => box.type === 'idat');
    return itemRange(view, iloc, id, idat ? idat.start : null);
  } catch {
    return null; // truncated or malformed boxes: no EXIF
  }
};
