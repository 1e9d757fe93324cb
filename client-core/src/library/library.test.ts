import { describe, expect, it } from 'vitest';
import { encodeHlc } from '../sync/hlc';
import { createDoc } from '../sync/merge';
import { createMemoryServer } from '../sync/testing/memory-server';
import { createLinkIdDeriver } from './derived-keys';
import { createTestLibrary, TEST_LIBRARY_COLLECTION, testPhoto } from './testing';

const day = (d: number, h = 12) => Date.UTC(2024, 5, d, h);

const twoDevices = async () => {
  const server = createMemoryServer();
  server.createCollection(TEST_LIBRARY_COLLECTION);
  const phone = await createTestLibrary('phone', server.transport);
  const laptop = await createTestLibrary('laptop', server.transport);
  /** Everyone syncs until quiet. */
  const settle = async () => {
    for (let i = 0; i < 2; i++) for (const d of [phone, laptop]) await d.sync();
  };
  return { server, phone, laptop, settle };
};

describe('library', () => {
  it('groups the timeline by day, newest first, leaving out trashed and archived photos', async () => {
    const { phone } = await twoDevices();
    const lib = phone.library;
    const a = await lib.addPhoto(testPhoto({ takenAt: day(1, 9) }));
    const b = await lib.addPhoto(testPhoto({ takenAt: day(1, 18) }));
    const c = await lib.addPhoto(testPhoto({ takenAt: day(3) }));
    const archived = await lib.addPhoto(testPhoto({ takenAt: day(2) }));
    const trashed = await lib.addPhoto(testPhoto({ takenAt: day(2) }));
    await lib.setArchived([archived], true);
    await lib.trash([trashed]);
    expect(lib.queries.timeline().map((g) => [g.day, g.photos.map((p) => p.id)])).toEqual([
      ['2024-06-03', [c]],
      ['2024-06-01', [b, a]],
    ]);
    expect(lib.queries.archive().map((p) => p.id)).toEqual([archived]);
    expect(lib.queries.trash().map((p) => p.id)).toEqual([trashed]);

    await lib.setDate([a], day(4));
    expect(lib.queries.timeline()[0]).toEqual({
      day: '2024-06-04',
      photos: [expect.objectContaining({ id: a })],
    });
  });

  it('tags many photos at once and shows them by tag on another device', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const photos = [];
    for (let i = 0; i < 5; i++) photos.push(await phone.library.addPhoto(testPhoto({ takenAt: day(1, i) })));
    const tag = await phone.library.createTag('Beach');
    await phone.library.tagPhotos(tag, photos.slice(0, 3));
    await settle();
    expect(
      laptop.library.queries
        .byTag(tag)
        .map((p) => p.id)
        .sort(),
    ).toEqual(photos.slice(0, 3).sort());
    expect(laptop.library.queries.tags()).toEqual([{ id: tag, name: 'Beach', color: null, photoCount: 3 }]);

    await laptop.library.untagPhotos(tag, [photos[0]!]);
    await settle();
    expect(phone.library.queries.byTag(tag)).toHaveLength(2);
  });

  it('makes one link record when two devices tag the same photo with the same tag offline', async () => {
    const { server, phone, laptop, settle } = await twoDevices();
    const photo = await phone.library.addPhoto(testPhoto());
    const tag = await phone.library.createTag('Family');
    await settle();
    await phone.library.tagPhotos(tag, [photo]);
    await laptop.library.tagPhotos(tag, [photo]);
    await settle();
    expect(server.records(TEST_LIBRARY_COLLECTION)).toHaveLength(3);
    for (const d of [phone, laptop]) expect(d.library.queries.byTag(tag).map((p) => p.id)).toEqual([photo]);
  });

  it('keeps a caption edited on one device on a photo trashed on another (trash is a field)', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const photo = await phone.library.addPhoto(testPhoto());
    await settle();
    await phone.library.trash([photo]);
    await laptop.library.setCaption(photo, 'Sunset over the bay');
    await settle();
    for (const d of [phone, laptop]) {
      expect(d.library.queries.trash()).toEqual([
        expect.objectContaining({ id: photo, caption: 'Sunset over the bay' }),
      ]);
    }
    await laptop.library.restore([photo]);
    await settle();
    expect(phone.library.queries.timeline()[0]?.photos[0]?.caption).toBe('Sunset over the bay');
  });

  it('lets delete forever win over a concurrent edit on another device', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const photo = await phone.library.addPhoto(testPhoto());
    await settle();
    await phone.library.trash([photo]);
    await phone.library.emptyTrash();
    await laptop.library.setFavourite([photo], true);
    await settle();
    for (const d of [phone, laptop]) {
      expect(d.library.queries.photo(photo)).toBeUndefined();
      expect(d.library.queries.favourites()).toEqual([]);
    }
  });

  it('keeps album order, moves photos, and orders concurrent additions the same on every device', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const [a, b, c, d] = [
      await phone.library.addPhoto(testPhoto()),
      await phone.library.addPhoto(testPhoto()),
      await phone.library.addPhoto(testPhoto()),
      await phone.library.addPhoto(testPhoto()),
    ];
    const album = await phone.library.createAlbum('Trip');
    await phone.library.addToAlbum(album, [a!, b!]);
    await settle();
    await phone.library.addToAlbum(album, [c!]);
    await laptop.library.addToAlbum(album, [d!]);
    await settle();
    const order = phone.library.queries.byAlbum(album).map((p) => p.id);
    expect(laptop.library.queries.byAlbum(album).map((p) => p.id)).toEqual(order);
    expect(order.slice(0, 2)).toEqual([a, b]);
    expect(new Set(order.slice(2))).toEqual(new Set([c, d]));

    await laptop.library.moveInAlbum(album, order[3]!, 0);
    await laptop.library.removeFromAlbum(album, [b!]);
    await settle();
    expect(phone.library.queries.byAlbum(album).map((p) => p.id)).toEqual([order[3], a, order[2]]);
    expect(phone.library.queries.albums()).toEqual([
      { id: album, name: 'Trip', description: '', coverPhotoId: null, photoCount: 3, cover: order[3] },
    ]);
  });

  it('puts the photo a shared album needs into each album link, and into a v1 link when it is added again', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const shown = testPhoto({ caption: 'not copied', fileName: 'sea.jpg' });
    const [a, b] = await phone.library.addPhotos([shown, testPhoto()]);
    const album = await phone.library.createAlbum('Shared one day');
    const linkOf = async (device: typeof phone, photoId: string) => {
      const linkId = createLinkIdDeriver(new Uint8Array(32).fill(5))('albumPhoto', album, photoId);
      return (await device.engine.loadShownDocs()).find(
        ({ key }) => key.collectionId === TEST_LIBRARY_COLLECTION && key.recordId === linkId,
      )?.doc;
    };
    await phone.library.addToAlbum(album, [a!]);
    await settle();
    const { blobs, fileKey, size, mime, width, height, takenAt, exif, fileName } = shown;
    expect((await linkOf(laptop, a!))?.fields.photo).toEqual({
      ...{ blobs, fileKey, size, mime, width, height, takenAt, exif, fileName },
    });

    // A link an older client wrote (v1, no photo) shows as before, and is filled when the photo is added again.
    const linkId = createLinkIdDeriver(new Uint8Array(32).fill(5))('albumPhoto', album, b!);
    await laptop.engine.write([
      {
        key: { collectionId: TEST_LIBRARY_COLLECTION, recordId: linkId },
        apply: () =>
          createDoc(
            'albumPhoto',
            1,
            { albumId: album, photoId: b, present: true, position: 'a5' },
            encodeHlc({ wallMs: Date.now(), counter: 0, nodeId: 'old' }),
          ),
      },
    ]);
    await settle();
    expect(phone.library.queries.byAlbum(album).map((p) => p.id)).toEqual([a, b]);
    expect((await linkOf(phone, b!))?.fields.photo).toBeNull();
    await phone.library.removeFromAlbum(album, [b!]);
    await phone.library.addToAlbum(album, [b!]);
    await settle();
    expect((await linkOf(laptop, b!))?.fields.photo).toMatchObject({
      blobs: phone.library.queries.photo(b!)!.blobs,
    });
  });

  it('attaches thumbnails made later to a photo that has none, its size too when unknown, and to nothing else', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const original = crypto.randomUUID();
    const bare = await phone.library.addPhoto(
      testPhoto({ blobs: { original, thumbnail: null, preview: null }, width: 0, height: 0 }),
    );
    const sized = await phone.library.addPhoto(
      testPhoto({ blobs: { original: crypto.randomUUID(), thumbnail: null, preview: null } }),
    );
    const withThumbnail = await phone.library.addPhoto(testPhoto());
    await settle();
    const made = { thumbnail: crypto.randomUUID(), preview: crypto.randomUUID(), width: 640, height: 480 };
    expect(await laptop.library.attachThumbnails(bare, made)).toBe(true);
    expect(await laptop.library.attachThumbnails(sized, { ...made, preview: null })).toBe(true);
    const before = laptop.library.queries.photo(withThumbnail)!;
    expect(await laptop.library.attachThumbnails(withThumbnail, made)).toBe(false);
    expect(await laptop.library.attachThumbnails(crypto.randomUUID(), made)).toBe(false);
    // Already made (by this device, a moment ago): nothing written again.
    expect(await laptop.library.attachThumbnails(bare, made)).toBe(false);
    await settle();
    expect(phone.library.queries.photo(bare)).toMatchObject({
      blobs: { original, thumbnail: made.thumbnail, preview: made.preview },
      width: 640,
      height: 480,
    });
    expect(phone.library.queries.photo(sized)).toMatchObject({
      blobs: { thumbnail: made.thumbnail, preview: null },
      width: 4000,
      height: 3000,
    });
    expect(phone.library.queries.photo(withThumbnail)).toEqual(before);
  });

  it('shows the chosen cover while it is in the album, else the first photo', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const [a, b] = [await phone.library.addPhoto(testPhoto()), await phone.library.addPhoto(testPhoto())];
    const album = await phone.library.createAlbum('Cover');
    await phone.library.addToAlbum(album, [a, b]);
    const cover = () => laptop.library.queries.albums()[0]?.cover;
    await settle();
    expect(cover()).toBe(a);
    await phone.library.setAlbumCover(album, b);
    await settle();
    expect(cover()).toBe(b);
    await phone.library.removeFromAlbum(album, [b]);
    await settle();
    expect(cover()).toBe(a);
    await phone.library.trash([a]);
    await settle();
    expect(laptop.library.queries.albums()[0]).toMatchObject({ cover: null, photoCount: 0 });
  });

  it('renames and deletes tags and albums everywhere, dropping their links but keeping the photos', async () => {
    const { server, phone, laptop, settle } = await twoDevices();
    const [a, b] = [await phone.library.addPhoto(testPhoto()), await phone.library.addPhoto(testPhoto())];
    const tag = await phone.library.createTag('Beach');
    const album = await phone.library.createAlbum('Summer');
    await phone.library.tagPhotos(tag, [a, b]);
    await phone.library.addToAlbum(album, [a, b]);
    await settle();
    await laptop.library.renameTag(tag, 'Seaside');
    await laptop.library.renameAlbum(album, 'Summer 2024');
    await settle();
    expect(phone.library.queries.tags().map((t) => t.name)).toEqual(['Seaside']);
    expect(phone.library.queries.albums().map((t) => t.name)).toEqual(['Summer 2024']);

    await phone.library.deleteTag(tag);
    await phone.library.deleteAlbum(album);
    await settle();
    for (const d of [phone, laptop]) {
      expect(d.library.queries.tags()).toEqual([]);
      expect(d.library.queries.albums()).toEqual([]);
      expect(d.library.queries.photo(a)?.tagIds).toEqual([]);
      expect(d.library.queries.timeline().flatMap((g) => g.photos)).toHaveLength(2);
    }
    // Only the two photos are left as live records: tag, album and all four links are tombstones.
    expect(server.records(TEST_LIBRARY_COLLECTION).filter((r) => r.ciphertext !== null)).toHaveLength(2);
  });

  it('deletes forever what has been in the trash for 30 days, and nothing younger', async () => {
    const server = createMemoryServer();
    server.createCollection(TEST_LIBRARY_COLLECTION);
    let now = Date.UTC(2024, 0, 1);
    const device = await createTestLibrary('phone', server.transport, () => now);
    const lib = device.library;
    const [old, recent] = [await lib.addPhoto(testPhoto()), await lib.addPhoto(testPhoto())];
    await lib.trash([old]);
    now += 20 * 24 * 3600_000;
    await lib.trash([recent]);
    now += 10 * 24 * 3600_000 - 1;
    expect(await lib.deleteExpiredTrash()).toBe(0);
    now += 1;
    expect(await lib.deleteExpiredTrash()).toBe(1);
    expect(lib.queries.photo(old)).toBeUndefined();
    expect(lib.queries.trash().map((p) => p.id)).toEqual([recent]);
  });

  it('names the photos that records touch: their own record or a tag or album link', async () => {
    const { phone } = await twoDevices();
    const lib = phone.library;
    const [a, b, c] = [
      await lib.addPhoto(testPhoto()),
      await lib.addPhoto(testPhoto()),
      await lib.addPhoto(testPhoto()),
    ];
    const tag = await lib.createTag('T');
    const album = await lib.createAlbum('A');
    await lib.tagPhotos(tag, [b]);
    await lib.addToAlbum(album, [c]);
    const records = (await phone.store.listOutbox()).map((op) => op.recordId);
    expect(lib.queries.photoIdsOf(records)).toEqual(new Set([a, b, c]));
    expect(lib.queries.photoIdsOf([tag, album, 'unknown'])).toEqual(new Set());
  });

  it('searches file names, captions and tag names', async () => {
    const { phone } = await twoDevices();
    const lib = phone.library;
    const byName = await lib.addPhoto(testPhoto({ fileName: 'harbour-at-dawn.jpg' }));
    const byCaption = await lib.addPhoto(testPhoto());
    await lib.setCaption(byCaption, 'Grandma at the Harbour');
    const byTag = await lib.addPhoto(testPhoto());
    const tag = await lib.createTag('harbour life');
    await lib.tagPhotos(tag, [byTag]);
    await lib.addPhoto(testPhoto({ fileName: 'mountain.jpg' }));
    expect(
      lib.queries
        .search('HARBOUR')
        .map((p) => p.id)
        .sort(),
    ).toEqual([byName, byCaption, byTag].sort());
    expect(lib.queries.search('harbour grandma').map((p) => p.id)).toEqual([byCaption]);
  });

  it('searches by date: a year, a month and year, a day', async () => {
    const { phone } = await twoDevices();
    const lib = phone.library;
    const march14 = await lib.addPhoto(testPhoto({ takenAt: Date.UTC(2023, 2, 14, 10) }));
    const march30 = await lib.addPhoto(testPhoto({ takenAt: Date.UTC(2023, 2, 30, 10) }));
    const may = await lib.addPhoto(testPhoto({ takenAt: Date.UTC(2023, 4, 2, 10) }));
    await lib.addPhoto(testPhoto({ takenAt: Date.UTC(2022, 2, 14, 10) }));
    const ids = (query: string) =>
      lib.queries
        .search(query)
        .map((p) => p.id)
        .sort();
    expect(ids('2023')).toEqual([march14, march30, may].sort());
    expect(ids('March 2023')).toEqual([march14, march30].sort());
    expect(ids('mar 2023')).toEqual([march14, march30].sort());
    expect(ids('2023-03')).toEqual([march14, march30].sort());
    expect(ids('2023-03-14')).toEqual([march14]);
    await lib.setDate([may], Date.UTC(2023, 2, 14, 18));
    expect(ids('2023-03-14')).toEqual([march14, may].sort());
  });

  it('tells watchers about changes made on another device', async () => {
    const { phone, laptop, settle } = await twoDevices();
    const seen: number[] = [];
    const stop = laptop.library.watch(
      (q) => q.favourites().length,
      (count) => seen.push(count),
    );
    const photo = await phone.library.addPhoto(testPhoto());
    await phone.library.setFavourite([photo], true);
    await settle();
    await Promise.resolve();
    stop();
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
  });

  it('shows the same library after a restart, decrypted from the local store', async () => {
    const { phone } = await twoDevices();
    const photo = await phone.library.addPhoto(testPhoto());
    const tag = await phone.library.createTag('Kept');
    await phone.library.tagPhotos(tag, [photo]);
    await phone.sync();
    const before = phone.library.queries.byTag(tag);
    await phone.library.load();
    expect(phone.library.queries.byTag(tag)).toEqual(before);
  });
});
