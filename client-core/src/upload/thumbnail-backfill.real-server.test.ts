/**
 * Thumbnails made later (upload/thumbnail-backfill.ts) against the real server: a phone that could not decode its
 * files uploads them without thumbnails; a laptop that can makes them, and every device then shows them.
 * See: [Note: Thumbnails made later]
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { listenOnFreePort, registerTestUser, startTestServer } from '@halyon/server';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveContentHashKey, type MasterKey } from '../crypto';
import { loadThumbnail } from '../download/download';
import { type HalyonClient, openHalyonClient } from '../library/client';
import { deriveUploadStateKey } from '../library/derived-keys';
import { openMemoryStore } from '../store/test-store';
import { openUploadStore } from '../store/upload-store';
import { createFetchTransport } from '../transport/fetch-transport';
import { type BlobApi, createFetchBlobApi } from './blob-api';
import { createContentHashLookup } from './content-hash-lookup';
import { createNodeThumbnailMaker } from './ffmpeg-thumbnails';
import { fileSourceFromBytes } from './file-source';
import { createNodeUploadFetch } from './node-upload-fetch';
import { backfillThumbnails, type ThumbnailBackfillDeps, triedPhotosIn } from './thumbnail-backfill';
import { noThumbnails } from './thumbnails';
import { createUploader } from './uploader';

let server: Awaited<ReturnType<typeof startTestServer>>;
let http: Awaited<ReturnType<typeof listenOnFreePort>>;
beforeAll(async () => {
  server = await startTestServer();
  http = await listenOnFreePort(server.app);
});
afterAll(async () => {
  await http?.stop(1000);
  await server?.close();
});

const nodeFetch = createNodeUploadFetch();
let stores = 0;

const jpeg = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer()
    .then((b) => new Uint8Array(b));
const heic = () =>
  readFile(new URL('./fixtures/heic/quadrants-irot.heic', import.meta.url)).then((b) => new Uint8Array(b));
/** The start of an MP4: stored, but no decoder here reads a frame of it. */
const mp4 = new Uint8Array([
  0,
  0,
  0,
  24,
  ...Buffer.from('ftypisom'),
  0,
  0,
  2,
  0,
  ...Buffer.from('isomiso2mp41'),
]);

/** One account; each `device()` is a client of it with its own local store. */
const account = async () => {
  const user = await registerTestUser(server);
  const masterKey = randomBytes(32) as unknown as MasterKey;
  /** Blob requests a device made, by kind, so a test can tell what was downloaded. */
  const device = async () => {
    const requests: string[] = [];
    const store = await openMemoryStore();
    const client = await openHalyonClient({
      store,
      transport: createFetchTransport({ baseUrl: http.url, accessToken: () => user.accessToken }),
      masterKey,
    });
    const api: BlobApi = createFetchBlobApi({
      baseUrl: http.url,
      accessToken: () => user.accessToken,
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return nodeFetch(input, init);
      },
    });
    const sync = async () => {
      const result = await client.sync();
      if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.error)}`);
    };
    const backfillDeps = (overrides: Partial<ThumbnailBackfillDeps> = {}): ThumbnailBackfillDeps => ({
      api,
      thumbnails: createNodeThumbnailMaker(),
      library: client.library,
      tried: triedPhotosIn(store, deriveUploadStateKey(masterKey), 'decoders 1'),
      newId: () => crypto.randomUUID(),
      ...overrides,
    });
    return { client, store, api, requests, sync, backfillDeps };
  };
  return { user, masterKey, device };
};

/** Uploads files with no thumbnails, as a device that decodes nothing would, and pushes their records. */
const uploadWithoutThumbnails = async (
  phone: { client: HalyonClient; api: BlobApi; sync: () => Promise<void> },
  masterKey: MasterKey,
  files: Record<string, Uint8Array>,
) => {
  const uploader = createUploader({
    api: phone.api,
    state: await openUploadStore(`backfill-${process.pid}-${++stores}`, { indexedDB, IDBKeyRange }),
    stateKey: deriveUploadStateKey(masterKey),
    contentHashKey: await deriveContentHashKey(masterKey),
    thumbnails: noThumbnails,
    addPhotos: (photos) => phone.client.library.addPhotos(photos),
    findPhotoByContentHash: createContentHashLookup(phone.client.library, phone.client.engine),
    streamBodies: true,
  });
  await uploader.start();
  uploader.add(Object.entries(files).map(([name, bytes]) => fileSourceFromBytes(bytes, name)));
  await uploader.whenIdle();
  await uploader.close();
  await phone.sync();
  const photos = phone.client.library.queries.timeline().flatMap((d) => d.photos);
  return new Map(photos.map((p) => [p.fileName, p]));
};

const thumbnailOf = async (
  device: { api: BlobApi; client: HalyonClient },
  photoId: string,
  which: 'thumbnail' | 'preview',
) => {
  const photo = device.client.library.queries.photo(photoId)!;
  const cache = await openMemoryStore();
  const loaded = await loadThumbnail({ api: device.api, thumbnailCache: cache }, photo, which);
  if (!loaded.ok || !loaded.value) throw new Error(`no ${which}: ${JSON.stringify(loaded)}`);
  return sharp(loaded.value).metadata();
};

describe('thumbnails made later', () => {
  it('a device that can decode makes the missing thumbnails, and every device shows them', async () => {
    const { masterKey, device } = await account();
    const phone = await device();
    const laptop = await device();
    const byName = await uploadWithoutThumbnails(phone, masterKey, {
      'big.jpg': await jpeg(1600, 1200),
      'IMG_0001.HEIC': await heic(),
      'clip.mp4': mp4,
    });
    for (const photo of byName.values())
      expect(photo.blobs).toMatchObject({ thumbnail: null, preview: null });
    expect(byName.get('big.jpg')).toMatchObject({ width: 0, height: 0 });
    const albumId = await phone.client.library.createAlbum('Trip');
    await phone.client.library.addToAlbum(albumId, [byName.get('big.jpg')!.id]);
    await phone.sync();

    await laptop.sync();
    const report = await backfillThumbnails(laptop.backfillDeps());
    expect(report).toEqual({ ok: true, value: { made: 2, undecodable: 1 } });
    await laptop.sync();
    await phone.sync();

    // The phone sees them: size, thumbnail and preview, and the album link's copy of the photo.
    const big = phone.client.library.queries.photo(byName.get('big.jpg')!.id)!;
    expect(big).toMatchObject({ width: 1600, height: 1200 });
    expect(big.blobs.original).toBe(byName.get('big.jpg')!.blobs.original);
    expect(await thumbnailOf(phone, big.id, 'thumbnail')).toMatchObject({
      format: 'jpeg',
      width: 256,
      height: 192,
    });
    expect(await thumbnailOf(phone, big.id, 'preview')).toMatchObject({
      format: 'jpeg',
      width: 1280,
      height: 960,
    });
    const link = [...phone.client.library.queries.byAlbum(albumId)];
    expect(link.map((p) => p.id)).toEqual([big.id]);
    const linkDoc = (await phone.client.engine.loadShownDocs()).find(
      (change) => change.doc?.kind === 'albumPhoto',
    )!.doc!;
    expect((linkDoc.fields.photo as { blobs: unknown }).blobs).toEqual(big.blobs);
    // The HEIC upright (stored with irot): wider than tall.
    const heif = phone.client.library.queries.photo(byName.get('IMG_0001.HEIC')!.id)!;
    expect(heif.width).toBeGreaterThan(heif.height);
    expect(await thumbnailOf(phone, heif.id, 'thumbnail')).toMatchObject({ format: 'jpeg' });
    expect(phone.client.library.queries.photo(byName.get('clip.mp4')!.id)!.blobs.thumbnail).toBeNull();

    // A second run downloads nothing: the MP4 is remembered (sealed in the store), the others are done.
    laptop.requests.length = 0;
    expect(await backfillThumbnails(laptop.backfillDeps())).toEqual({
      ok: true,
      value: { made: 0, undecodable: 0 },
    });
    expect(laptop.requests).toEqual([]);
    // The same device with other decoders (its browser updated, ffmpeg installed) tries it once more.
    const updated = { tried: triedPhotosIn(laptop.store, deriveUploadStateKey(masterKey), 'decoders 2') };
    expect(await backfillThumbnails(laptop.backfillDeps(updated))).toEqual({
      ok: true,
      value: { made: 0, undecodable: 1 },
    });
    // Another device has not tried it: it does.
    const tablet = await device();
    await tablet.sync();
    expect(await backfillThumbnails(tablet.backfillDeps())).toEqual({
      ok: true,
      value: { made: 0, undecodable: 1 },
    });
  });

  it('two devices making the same thumbnails meet in one photo whose record references the thumbnails it shows', async () => {
    const { masterKey, device } = await account();
    const phone = await device();
    const byName = await uploadWithoutThumbnails(phone, masterKey, { 'a.jpg': await jpeg(800, 600) });
    const id = byName.get('a.jpg')!.id;
    const laptop = await device();
    const tablet = await device();
    await laptop.sync();
    await tablet.sync();
    // The tablet first, so the laptop's edit is the later one: it wins the merge on the tablet, whose own push
    // (carrying its own thumbnails' ids) is the one that conflicts.
    const made = { ok: true, value: { made: 1, undecodable: 0 } };
    expect(await backfillThumbnails(tablet.backfillDeps())).toEqual(made);
    expect(await backfillThumbnails(laptop.backfillDeps())).toEqual(made);
    const laptops = laptop.client.library.queries.photo(id)!.blobs;
    await laptop.sync();
    await tablet.sync(); // conflicts with the laptop's version, and merges
    await laptop.sync();
    await phone.sync();
    const shown = [laptop, tablet, phone].map((d) => d.client.library.queries.photo(id)!.blobs);
    expect(shown).toEqual([laptops, laptops, laptops]);
    // The server's record names exactly the blobs the merged document uses, so none of them is collected.
    const { key } = (await phone.client.engine.loadShownDocs()).find((c) => c.key.recordId === id)!;
    const [record] = await phone.store.getRecords([key]);
    expect([...record!.blobIds].sort()).toEqual([shown[0]!.original, shown[0]!.thumbnail].sort());
    expect(await thumbnailOf(phone, id, 'thumbnail')).toMatchObject({ width: 256 });
  });

  it('stops at a network failure, or a download cut off, and leaves the photo to the next run', async () => {
    const { masterKey, device } = await account();
    const phone = await device();
    const byName = await uploadWithoutThumbnails(phone, masterKey, { 'a.jpg': await jpeg(640, 480) });
    const offline: BlobApi = {
      ...phone.api,
      downloadTarget: async () => ({ ok: false, error: { type: 'NetworkFailure', message: 'offline' } }),
    } as BlobApi;
    const failed = await backfillThumbnails(phone.backfillDeps({ api: offline }));
    expect(failed).toMatchObject({ ok: false, error: { type: 'NetworkFailure' } });
    // A download cut off after its first piece: not taken for an undecodable file.
    const cutOff: BlobApi = {
      ...phone.api,
      async openDownload(target, signal) {
        const body = await phone.api.openDownload(target, signal);
        if (!body.ok) return body;
        const reader = body.value.getReader();
        let pieces = 0;
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { value, done } = await reader.read();
            if (done || pieces++ > 0) return controller.error(new TypeError('terminated'));
            controller.enqueue(value);
          },
        });
        return { ok: true, value: stream };
      },
    };
    const cut = await backfillThumbnails(phone.backfillDeps({ api: cutOff }));
    expect(cut).toMatchObject({ ok: false, error: { type: 'NetworkFailure' } });
    expect(await backfillThumbnails(phone.backfillDeps())).toEqual({
      ok: true,
      value: { made: 1, undecodable: 0 },
    });
    expect(phone.client.library.queries.photo(byName.get('a.jpg')!.id)!.blobs.thumbnail).not.toBeNull();
  });

  it('takes an original the server changed for one this device cannot decode, and attaches nothing', async () => {
    const { masterKey, device } = await account();
    const phone = await device();
    const byName = await uploadWithoutThumbnails(phone, masterKey, { 'a.jpg': await jpeg(640, 480) });
    const tampered: BlobApi = {
      ...phone.api,
      async openDownload(target, signal) {
        const body = await phone.api.openDownload(target, signal);
        if (!body.ok) return body;
        const bytes = new Uint8Array(await new Response(body.value).arrayBuffer());
        bytes[bytes.length - 1]! ^= 1;
        return { ok: true, value: new Response(bytes).body! };
      },
    };
    expect(await backfillThumbnails(phone.backfillDeps({ api: tampered }))).toEqual({
      ok: true,
      value: { made: 0, undecodable: 1 },
    });
    expect(phone.client.library.queries.photo(byName.get('a.jpg')!.id)!.blobs.thumbnail).toBeNull();
  });
});
