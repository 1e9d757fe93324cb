import { describe, expect, it } from 'vitest';
import { type BlobKey, bytesToBase64, encryptBlobBytes, generateBlobKey } from '../crypto';
import { openMemoryLocalStore } from '../store/memory-store';
import { type DownloadablePhoto, loadCachedThumbnails, uniqueFileNames } from './download';

const photoWith = (key: BlobKey, thumbnail: string | null): DownloadablePhoto => ({
  blobs: { original: crypto.randomUUID(), thumbnail, preview: null },
  fileKey: bytesToBase64(key),
  fileName: 'IMG_1.JPG',
  mime: 'image/jpeg',
  size: 1,
  takenAt: 0,
});

describe('cached thumbnails', () => {
  it('answers each photo in order: decrypted from the cache, null without a thumbnail, undefined when not cached', async () => {
    const store = await openMemoryLocalStore(`thumbnails-${crypto.randomUUID()}`);
    const key = generateBlobKey();
    const [cachedId, missingId] = [crypto.randomUUID(), crypto.randomUUID()];
    await store.putThumbnail(cachedId, await encryptBlobBytes(key, new Uint8Array([1, 2, 3])));
    const results = await loadCachedThumbnails({ thumbnailCache: store }, [
      photoWith(key, missingId),
      photoWith(key, cachedId),
      photoWith(key, null),
      photoWith(key, cachedId),
    ]);
    expect(results).toEqual([
      undefined,
      { ok: true, value: new Uint8Array([1, 2, 3]) },
      { ok: true, value: null },
      { ok: true, value: new Uint8Array([1, 2, 3]) },
    ]);
  });

  it('refuses a cached thumbnail that does not open with the photo key, without failing the others', async () => {
    const store = await openMemoryLocalStore(`thumbnails-${crypto.randomUUID()}`);
    const [key, otherKey] = [generateBlobKey(), generateBlobKey()];
    const [mine, other] = [crypto.randomUUID(), crypto.randomUUID()];
    await store.putThumbnail(mine, await encryptBlobBytes(key, new Uint8Array([7])));
    await store.putThumbnail(other, await encryptBlobBytes(otherKey, new Uint8Array([8])));
    const results = await loadCachedThumbnails({ thumbnailCache: store }, [
      photoWith(key, other),
      photoWith(key, mine),
    ]);
    expect(results).toEqual([
      { ok: false, error: { type: 'DecryptFailed' } },
      { ok: true, value: new Uint8Array([7]) },
    ]);
  });
});

describe('zip entry names', () => {
  it('never lets a file name reach outside the folder the zip unpacks into', () => {
    expect(uniqueFileNames(['../../etc/passwd', 'a\\b.jpg', '..', '.', 'tab\there.jpg', ''])).toEqual([
      '.._.._etc_passwd',
      'a_b.jpg',
      '___',
      '__',
      'tab_here.jpg',
      '_',
    ]);
  });

  it('numbers a cleaned name that collides with another', () => {
    expect(uniqueFileNames(['a/b.jpg', 'a_b.jpg'])).toEqual(['a_b.jpg', 'a_b (2).jpg']);
  });
});
