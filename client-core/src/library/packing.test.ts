import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeHlc } from '../sync/hlc';
import { recordPacking } from './packing';

// The snapshot keeps a record's fields as JSON, packed or not; a warm start must read back what it would have read
// from the object: the same keys, in the same order, with the same values.

const KEYS: Record<string, readonly string[]> = {
  photo: [
    'blobs',
    'fileKey',
    'size',
    'mime',
    'width',
    'height',
    'takenAt',
    'exif',
    'contentHash',
    'fileName',
    'caption',
    'favourite',
    'archived',
    'trashedAt',
    'location',
    'dateOverride',
  ],
  tag: ['name', 'color'],
  album: ['name', 'description', 'coverPhotoId'],
  photoTag: ['photoId', 'tagId', 'present'],
  albumPhoto: ['albumId', 'photoId', 'present', 'position', 'photo'],
};
const KINDS = Object.keys(KEYS);
const editableFirst = [...KEYS.photo!.slice(10), ...KEYS.photo!.slice(0, 10)];

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
const blobs = fc.oneof(
  fc
    .record({
      original: fc.uuid(),
      thumbnail: fc.option(fc.uuid(), { nil: null }),
      preview: fc.option(fc.uuid(), { nil: null }),
    })
    .map(asJson),
  fc.jsonValue(),
);
/** Fields with the layout's keys in its order, shuffled, some dropped or others added, any JSON values. */
const fieldsOf = (kind: string) => {
  const orders = [KEYS[kind]!, ...(kind === 'photo' ? [editableFirst] : [])];
  const keys = fc.oneof(
    fc.constantFrom(...orders),
    fc.shuffledSubarray([...KEYS[kind]!, 'extra']),
    fc.constantFrom(...orders).map((order) => [...order, 'extra']),
  );
  return keys.chain((names) =>
    fc
      .tuple(...names.map((name) => (name === 'blobs' ? blobs : fc.jsonValue())))
      .map((values) => Object.fromEntries(names.map((name, i) => [name, values[i]]))),
  );
};

describe('field packing for the local snapshot', () => {
  it('gives back, through JSON, exactly the fields it packed (and stamps for each); fields with no layout stay unpacked', () => {
    const packedKinds = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS).chain((kind) => fc.tuple(fc.constant(kind), fieldsOf(kind))),
        ([kind, fields]) => {
          const packed = recordPacking.pack(kind, fields);
          if (packed === undefined) return;
          packedKinds.add(kind);
          const unpacked = recordPacking.unpack(kind, asJson(packed) as unknown as unknown[]);
          expect(JSON.stringify(unpacked)).toBe(JSON.stringify(fields));
          expect(isDeepStrictEqual(unpacked, asJson(fields))).toBe(true);
          const stamps = recordPacking.stampAll(packed, encodeHlc({ wallMs: 1, counter: 0, nodeId: 'a' }));
          expect(Object.keys(stamps)).toEqual(Object.keys(fields));
          expect(new Set(Object.values(stamps)).size).toBe(1);
        },
      ),
      { numRuns: 1000 },
    );
    expect([...packedKinds].sort()).toEqual([...KINDS].sort());
  });

  it('packs every kind in its schema order, and photos in the order addPhotos used to write', () => {
    for (const kind of KINDS) {
      const fields = Object.fromEntries(KEYS[kind]!.map((key) => [key, key === 'blobs' ? {} : 1]));
      if (kind === 'photo') fields.blobs = { original: 'a', thumbnail: null, preview: null };
      expect(recordPacking.pack(kind, fields)).toBeDefined();
    }
    const photo: Record<string, unknown> = Object.fromEntries(editableFirst.map((key) => [key, 1]));
    photo.blobs = { original: 'a', thumbnail: null, preview: null };
    expect(recordPacking.pack('photo', photo)).toBeDefined();
  });

  it('leaves unpacked what JSON would not give back the same: undefined values, other blob keys', () => {
    expect(recordPacking.pack('tag', { name: 'a', color: undefined })).toBeUndefined();
    const photo = Object.fromEntries(KEYS.photo!.map((key) => [key, 1]));
    expect(
      recordPacking.pack('photo', { ...photo, blobs: { original: 'a', thumbnail: null } }),
    ).toBeUndefined();
    expect(recordPacking.pack('photo', { ...photo, blobs: [1, 2, 3] })).toBeUndefined();
    expect(recordPacking.pack('unknownKind', { name: 'a' })).toBeUndefined();
  });

  it('refuses a layout of another kind, of another length, or unknown', () => {
    const packed = recordPacking.pack('tag', { name: 'a', color: null })!;
    expect(recordPacking.unpack('tag', packed)).toEqual({ name: 'a', color: null });
    expect(recordPacking.unpack('album', packed)).toBeUndefined();
    expect(recordPacking.unpack('tag', [...packed, 1])).toBeUndefined();
    expect(recordPacking.unpack('tag', [99, 'a', null])).toBeUndefined();
    expect(recordPacking.unpack('tag', ['2', 'a', null])).toBeUndefined();
  });
});
