/**
 * The library the sync-client benches sync and open: BENCH_RECORDS records (default 100,000; the targets are for
 * that), 80% photos, the rest tags, tag links, albums and album links, shaped like a phone's library.
 */
import { randomBytes } from 'node:crypto';
import type { HalyonClient, NewPhoto } from '@halyon/client-core';

export const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
export const PHOTOS = Math.round(RECORDS * 0.8);
const TAGS = Math.max(1, Math.round(RECORDS * 0.002));
const PHOTO_TAG_LINKS = Math.round(RECORDS * 0.15);
const ALBUMS = Math.max(1, Math.round(RECORDS * 0.0005));
const ALBUM_LINKS = RECORDS - PHOTOS - TAGS - PHOTO_TAG_LINKS - ALBUMS;

const photo = (i: number): NewPhoto => ({
  blobs: { original: crypto.randomUUID(), thumbnail: crypto.randomUUID(), preview: crypto.randomUUID() },
  fileKey: randomBytes(32).toString('base64'),
  size: 2_000_000 + i,
  mime: 'image/jpeg',
  width: 4032,
  height: 3024,
  takenAt: Date.UTC(2015, 0, 1) + i * 3_600_000,
  exif: {
    make: 'Apple',
    model: 'iPhone 12',
    iso: 100,
    fNumber: 1.6,
    exposureTime: 0.008,
    focalLengthMm: 4.2,
  },
  contentHash: randomBytes(32).toString('base64'),
  fileName: `IMG_${String(i).padStart(5, '0')}.HEIC`,
});

/** Writes the whole library through `library` (local writes, queued in its outbox); answers the photos' ids. */
export const writeBenchLibrary = async (library: HalyonClient['library']): Promise<string[]> => {
  const photoIds: string[] = [];
  for (let i = 0; i < PHOTOS; i += 10_000) {
    photoIds.push(
      ...(await library.addPhotos(
        Array.from({ length: Math.min(10_000, PHOTOS - i) }, (_, j) => photo(i + j)),
      )),
    );
  }
  for (let t = 0; t < TAGS; t++) {
    const tag = await library.createTag(`tag ${t}`);
    const per = Math.floor(PHOTO_TAG_LINKS / TAGS);
    await library.tagPhotos(tag, photoIds.slice(t * per, (t + 1) * per));
  }
  for (let a = 0; a < ALBUMS; a++) {
    const album = await library.createAlbum(`album ${a}`);
    const per = Math.floor(ALBUM_LINKS / ALBUMS);
    await library.addToAlbum(album, photoIds.slice(PHOTOS - (a + 1) * per, PHOTOS - a * per));
  }
  return photoIds;
};
