import { describe, expect, it } from 'vitest';
import type { MasterKey } from '../crypto';
import { encodeHlc, HLC_ZERO } from '../sync/hlc';
import { createDoc } from '../sync/merge';
import { createLinkIdDeriver, deriveLibraryCollection } from './derived-keys';
import { decodeRecordDoc, encodeRecordDoc, linkedPhotoOf } from './kinds';

const stamp = encodeHlc({ wallMs: 1_700_000_000_000, counter: 0, nodeId: 'dev1' });
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

const photoFields = {
  blobs: { original: uuid(1), thumbnail: uuid(2), preview: null },
  fileKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  size: 1234,
  mime: 'image/jpeg',
  width: 4000,
  height: 3000,
  takenAt: 1_600_000_000_000,
  exif: { make: 'Canon', iso: 100 },
  contentHash: 'AAAA',
  fileName: 'IMG_0001.JPG',
  caption: '',
  favourite: false,
  archived: false,
  trashedAt: null,
  location: null,
  dateOverride: null,
};

const bytesOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('record kinds', () => {
  it('round-trips a photo through its plaintext encoding', () => {
    const doc = createDoc('photo', 1, photoFields, stamp);
    expect(decodeRecordDoc(encodeRecordDoc(doc))).toEqual({ ok: true, value: doc });
  });

  it('refuses a record whose fields do not match its kind', () => {
    const doc = createDoc('photo', 1, { ...photoFields, width: 'wide' }, stamp);
    const decoded = decodeRecordDoc(encodeRecordDoc(doc));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.type).toBe('InvalidRecord');
  });

  it('refuses an unknown kind, a newer schema version and bytes that are not JSON', () => {
    expect(decodeRecordDoc(bytesOf({ k: 'virus', v: 1, f: {}, s: {} })).ok).toBe(false);
    const future = { k: 'tag', v: 99, f: { name: 'x', color: null }, s: { name: stamp, color: stamp } };
    expect(decodeRecordDoc(bytesOf(future)).ok).toBe(false);
    expect(decodeRecordDoc(new Uint8Array([0xff, 0xfe])).ok).toBe(false);
  });

  it('refuses a stamp that is not an HLC', () => {
    const doc = { k: 'tag', v: 1, f: { name: 'x', color: null }, s: { name: 'yesterday' } };
    expect(decodeRecordDoc(bytesOf(doc)).ok).toBe(false);
  });
});

describe('album links (v2: they carry the photo)', () => {
  const link = { albumId: uuid(10), photoId: uuid(11), present: true, position: 'a0' };
  const linkStamps = { albumId: stamp, photoId: stamp, present: stamp, position: stamp };

  it('upgrades a v1 link to v2 with no photo, stamped so that any real edit wins', () => {
    const decoded = decodeRecordDoc(bytesOf({ k: 'albumPhoto', v: 1, f: link, s: linkStamps }));
    expect(decoded).toEqual({
      ok: true,
      value: {
        kind: 'albumPhoto',
        schemaVersion: 2,
        fields: { ...link, photo: null },
        stamps: { ...linkStamps, photo: HLC_ZERO },
      },
    });
  });

  it('keeps a photo that a v1 document already carries when upgrading it', () => {
    const photo = linkedPhotoOf(photoFields);
    const v1WithPhoto = { k: 'albumPhoto', v: 1, f: { ...link, photo }, s: { ...linkStamps, photo: stamp } };
    const decoded = decodeRecordDoc(bytesOf(v1WithPhoto));
    expect(decoded.ok && decoded.value.fields.photo).toEqual(photo);
    expect(decoded.ok && decoded.value.stamps.photo).toBe(stamp);
  });

  it('round-trips a v2 link with the photo a shared-album member needs, and nothing editable or keyed', () => {
    const photo = linkedPhotoOf({
      ...photoFields,
      caption: 'private',
      location: { latitude: 1, longitude: 2 },
    });
    expect(Object.keys(photo).sort()).toEqual(
      ['blobs', 'exif', 'fileKey', 'fileName', 'height', 'mime', 'size', 'takenAt', 'width'].sort(),
    );
    const doc = createDoc('albumPhoto', 2, { ...link, photo }, stamp);
    expect(decodeRecordDoc(encodeRecordDoc(doc))).toEqual({ ok: true, value: doc });
  });

  it('refuses a v2 link whose photo is malformed', () => {
    const photo = { ...linkedPhotoOf(photoFields), fileKey: 'not base64!' };
    expect(decodeRecordDoc(encodeRecordDoc(createDoc('albumPhoto', 2, { ...link, photo }, stamp))).ok).toBe(
      false,
    );
  });
});

describe('link ids', () => {
  it('gives two devices with the same key the same id for the same link, and different ids otherwise', () => {
    const key = new Uint8Array(32).fill(7);
    const onPhone = createLinkIdDeriver(key);
    const onLaptop = createLinkIdDeriver(key.slice());
    expect(onPhone('photoTag', uuid(1), uuid(2))).toBe(onLaptop('photoTag', uuid(1), uuid(2)));
    expect(onPhone('photoTag', uuid(1), uuid(2))).not.toBe(onPhone('albumPhoto', uuid(1), uuid(2)));
    expect(onPhone('photoTag', uuid(1), uuid(2))).not.toBe(
      createLinkIdDeriver(new Uint8Array(32))('photoTag', uuid(1), uuid(2)),
    );
    expect(onPhone('photoTag', uuid(1), uuid(2))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });
});

describe('derived library collection', () => {
  it('is the same on every device of the account and differs between accounts', () => {
    const master = new Uint8Array(32).fill(3) as MasterKey;
    const other = new Uint8Array(32).fill(4) as MasterKey;
    expect(deriveLibraryCollection(master)).toEqual(deriveLibraryCollection(master.slice() as typeof master));
    expect(deriveLibraryCollection(master).collectionId).not.toBe(
      deriveLibraryCollection(other).collectionId,
    );
    expect(deriveLibraryCollection(master).collectionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
