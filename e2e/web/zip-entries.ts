/**
 * @module Reads the entries of a stored (uncompressed) zip through its central directory, checking each
 * entry's CRC-32, so a spec can compare a downloaded zip with the files that went in. Just enough of the
 * format (APPNOTE 4.3) for what client-zip writes, Zip64 sizes included; any other shape throws.
 */

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

const crc32 = (bytes: Uint8Array): number => {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

export const readZipEntries = (zip: Buffer): Map<string, Buffer> => {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory');
  let count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff || count === 0xffff) {
    // The Zip64 end record, found through its locator just before the classic one.
    const zip64End = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    count = Number(zip.readBigUInt64LE(zip64End + 32));
    offset = Number(zip.readBigUInt64LE(zip64End + 48));
  }
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`entry ${i}: no central header`);
    const method = zip.readUInt16LE(offset + 10);
    const crc = zip.readUInt32LE(offset + 16);
    let size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    let localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8');
    // Zip64 extra field: the 64-bit values, in order, for the 32-bit fields that are 0xffffffff.
    for (let e = offset + 46 + nameLength; e < offset + 46 + nameLength + extraLength; ) {
      const id = zip.readUInt16LE(e);
      const length = zip.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let field = e + 4;
        if (size === 0xffffffff) {
          size = Number(zip.readBigUInt64LE(field));
          field += 8;
        }
        if (zip.readUInt32LE(offset + 20) === 0xffffffff) field += 8;
        if (localOffset === 0xffffffff) localOffset = Number(zip.readBigUInt64LE(field));
      }
      e += 4 + length;
    }
    if (method !== 0) throw new Error(`${name}: compression method ${method}, expected stored`);
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`${name}: no local header`);
    const dataStart =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + size);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC-32 does not match`);
    if (entries.has(name)) throw new Error(`${name}: two entries of one name`);
    entries.set(name, data);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
};
