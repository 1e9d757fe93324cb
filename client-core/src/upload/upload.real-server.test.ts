/// <reference path="../../../server/src/features/blobs/stores/s3rver.d.ts" />
/**
 * The upload pipeline and downloads against the real server (in-process, on a loopback port), once with the
 * filesystem store (the server's own PUT endpoint) and once with S3 (s3rver: presigned PUT and presigned parts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageUsage } from '@halyon/protocol';
import {
  listenOnFreePort,
  type RunningS3rver,
  registerTestUser,
  startHttpServer,
  startS3rver,
  startTestServer,
} from '@halyon/server';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContentHashKey, deriveContentHashKey, type MasterKey } from '../crypto';
import { downloadOriginal, downloadZip, loadThumbnail } from '../download/download';
import { type HalyonClient, openHalyonClient } from '../library/client';
import { deriveUploadStateKey } from '../library/derived-keys';
import { openMemoryStore } from '../store/test-store';
import { openUploadStore, type UploadStore } from '../store/upload-store';
import { createFetchTransport } from '../transport/fetch-transport';
import { createFetchBlobApi } from './blob-api';
import { createContentHashLookup } from './content-hash-lookup';
import { type FileSource, fileSourceFromBlob } from './file-source';
import { fileSourceFromPath } from './node-file-source';
import { createNodeUploadFetch } from './node-upload-fetch';
import { createSharpThumbnailMaker } from './sharp-thumbnails';
import { createUploader, type UploadEvent, type UploaderDeps } from './uploader';

const MiB = 1024 * 1024;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'halyon-upload-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const readAll = async (stream: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(stream).arrayBuffer());

const writeTemp = async (name: string, bytes: Uint8Array) => {
  const path = join(dir, `${randomBytes(4).toString('hex')}-${name}`);
  await writeFile(path, bytes);
  return path;
};

const photoBytes = (format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif', width = 1600, height = 1200) => {
  const noise = randomBytes(width * height * 3);
  let image = sharp(noise, { raw: { width, height, channels: 3 } });
  image =
    format === 'jpeg'
      ? image.jpeg().withExif({
          IFD0: { Make: 'Halyon', Model: 'Cam 1' },
          IFD2: { DateTimeOriginal: '2021:07:04 10:30:00' },
        })
      : image.toFormat(format);
  return image.toBuffer().then((b) => new Uint8Array(b));
};

let uploadStores = 0;
const nodeFetch = createNodeUploadFetch();

type Uploader = ReturnType<typeof createUploader>;
/** Each batch's counts as the uploader keeps them, and as counted from its files (the definition). */
const batchCounts = (uploader: Uploader, withBytes: boolean) => {
  const batchIds = [...new Set(uploader.files().map((f) => f.batchId))];
  const kept = batchIds.map((id) => {
    const { files, finished, failed, sentBytes, totalBytes } = uploader.batch(id);
    return withBytes ? { files, finished, failed, sentBytes, totalBytes } : { files, finished, failed };
  });
  const counted = batchIds.map((id) => {
    const files = uploader.files().filter((f) => f.batchId === id);
    const counts = {
      files: files.length,
      finished: files.filter((f) => ['done', 'duplicate', 'cancelled'].includes(f.status)).length,
      failed: files.filter((f) => f.status === 'failed').length,
    };
    const bytes = {
      sentBytes: files.reduce((sum, f) => sum + f.sentBytes, 0),
      totalBytes: files.reduce((sum, f) => sum + f.totalBytes, 0),
    };
    return withBytes ? { ...counts, ...bytes } : counts;
  });
  return { kept, counted };
};
/** At every batch event the uploader's counts are what its files add up to; bytes too once it is idle. */
const watchBatchCounts = (uploader: Uploader) => {
  const mismatches: unknown[] = [];
  uploader.subscribe((e) => {
    if (e.type !== 'batch') return;
    const { kept, counted } = batchCounts(uploader, false);
    if (JSON.stringify(kept) !== JSON.stringify(counted)) mismatches.push({ kept, counted });
  });
  return {
    expectRight() {
      expect(mismatches).toEqual([]);
      const { kept, counted } = batchCounts(uploader, true);
      expect(kept).toEqual(counted);
    },
  };
};

type Stores = 'filesystem' | 's3';

describe.each<Stores>(['filesystem', 's3'])('uploads and downloads through the %s store', (storeKind) => {
  let s3: RunningS3rver | undefined;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let http: Awaited<ReturnType<typeof listenOnFreePort>>;

  beforeAll(async () => {
    let env: Record<string, string> = {};
    if (storeKind === 's3') {
      s3 = await startS3rver('uploads');
      env = {
        BLOB_STORE: 's3',
        BLOB_S3_ENDPOINT: s3.endpoint,
        BLOB_S3_BUCKET: s3.bucket,
        BLOB_S3_FORCE_PATH_STYLE: 'true',
        BLOB_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        BLOB_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        BLOB_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
        BLOB_PART_SIZE_BYTES: String(5 * MiB),
      };
    }
    server = await startTestServer({ env });
    http = await listenOnFreePort(server.app);
  });
  afterAll(async () => {
    await http?.stop(1000);
    await server?.close();
    await s3?.stop();
  });

  /** A signed-in device with an uploader; `online` false makes every blob request fail as if offline. */
  const device = async ({ streamBodies = true } = {}) => {
    const user = await registerTestUser(server);
    const masterKey = randomBytes(32) as unknown as MasterKey;
    const transport = createFetchTransport({ baseUrl: http.url, accessToken: () => user.accessToken });
    const client = await openHalyonClient({ store: await openMemoryStore(), transport, masterKey });
    /** `online` false fails every blob request as if offline; `beforeRequest` sees each one first. */
    const network = {
      online: true,
      beforeRequest: (_url: string, _init?: RequestInit) => {},
      /** An answer in place of the server's, as from a proxy in front of it. */
      answerInstead: (_url: string): Response | undefined => undefined,
    };
    const api = createFetchBlobApi({
      baseUrl: http.url,
      accessToken: () => user.accessToken,
      fetch: (input, init) => {
        network.beforeRequest(String(input), init);
        const instead = network.answerInstead(String(input));
        if (instead) return Promise.resolve(instead);
        return network.online
          ? nodeFetch(input, init)
          : Promise.reject(new TypeError('fetch failed: offline'));
      },
    });
    const contentHashKey: ContentHashKey = await deriveContentHashKey(masterKey);
    const stateKey = deriveUploadStateKey(masterKey);
    const openUploader = (state: UploadStore, overrides: Partial<UploaderDeps> = {}) =>
      createUploader({
        api,
        state,
        stateKey,
        contentHashKey,
        thumbnails: createSharpThumbnailMaker(),
        addPhotos: (photos) => client.library.addPhotos(photos),
        findPhotoByContentHash: createContentHashLookup(client.library, client.engine),
        reopen: (path) => fileSourceFromPath(path),
        streamBodies,
        retryBaseMs: 20,
        retryMaxMs: 200,
        ...overrides,
      });
    const state = await openUploadStore(`uploads-${process.pid}-${++uploadStores}`, {
      indexedDB,
      IDBKeyRange,
    });
    const syncOrThrow = async (c: HalyonClient = client) => {
      const result = await c.sync();
      if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.error)}`);
    };
    const usage = async () =>
      (await server.json<StorageUsage>('GET', '/v1/blobs/usage', undefined, user.accessToken)).body;
    return { user, masterKey, client, api, state, openUploader, network, syncOrThrow, usage };
  };

  it('uploads every image format with its EXIF and thumbnails, shows it on another device only after sync, and downloads it byte for byte', async () => {
    // Bodies gathered into Blobs, as a browser on HTTP/1.1 sends them; the other tests stream them.
    const phone = await device({ streamBodies: false });
    const files = {
      'beach.jpg': await photoBytes('jpeg'),
      'chart.png': await photoBytes('png', 300, 200),
      'cat.webp': await photoBytes('webp'),
      'loop.gif': await photoBytes('gif', 200, 150),
      'sky.avif': await photoBytes('avif', 640, 480),
      // An MP4's first box: stored and downloadable, without a thumbnail here (sharp reads no video).
      'clip.mp4': new Uint8Array([
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
        ...randomBytes(5000),
      ]),
    };
    const uploader = phone.openUploader(phone.state);
    await uploader.start();
    const events: UploadEvent[] = [];
    uploader.subscribe((e) => events.push(e));
    const sources = await Promise.all(
      Object.entries(files).map(async ([name, bytes]) => fileSourceFromPath(await writeTemp(name, bytes))),
    );
    const batchId = uploader.add(sources);
    await uploader.whenIdle();

    expect(uploader.batch(batchId)).toMatchObject({ files: 6, finished: 6, failed: 0 });
    const lastBatch = events.filter((e) => e.type === 'batch').at(-1)!;
    expect(lastBatch.sentBytes).toBe(lastBatch.totalBytes);

    const laptop = await openHalyonClient({
      store: await openMemoryStore(),
      transport: createFetchTransport({ baseUrl: http.url, accessToken: () => phone.user.accessToken }),
      masterKey: phone.masterKey,
    });
    await phone.syncOrThrow(laptop);
    expect(laptop.library.queries.timeline()).toEqual([]); // nothing pushed yet
    await phone.syncOrThrow();
    await phone.syncOrThrow(laptop);
    const photos = laptop.library.queries.timeline().flatMap((d) => d.photos);
    const byName = new Map(photos.map((p) => [p.fileName.replace(/^[0-9a-f]+-/, ''), p]));
    expect([...byName.keys()].sort()).toEqual(Object.keys(files).sort());
    expect(byName.get('beach.jpg')).toMatchObject({
      mime: 'image/jpeg',
      width: 1600,
      height: 1200,
      exif: { make: 'Halyon', model: 'Cam 1', orientation: 1 },
    });
    expect(new Date(byName.get('beach.jpg')!.takenAt).getFullYear()).toBe(2021);
    expect(byName.get('sky.avif')).toMatchObject({ mime: 'image/avif', width: 640 });
    expect(byName.get('clip.mp4')).toMatchObject({ mime: 'video/mp4', blobs: { thumbnail: null } });

    for (const [name, bytes] of Object.entries(files)) {
      const photo = byName.get(name)!;
      const file = await downloadOriginal({ api: phone.api }, photo);
      if (!file.ok) throw new Error(JSON.stringify(file.error));
      expect(file.value.fileName).toBe(photo.fileName);
      expect(sha256(await readAll(file.value.stream))).toBe(sha256(bytes));
    }
    const cache = await openMemoryStore();
    const thumbnail = await loadThumbnail(
      { api: phone.api, thumbnailCache: cache },
      byName.get('beach.jpg')!,
      'thumbnail',
    );
    if (!thumbnail.ok || !thumbnail.value) throw new Error('no thumbnail');
    expect(await sharp(thumbnail.value).metadata()).toMatchObject({ width: 256, height: 192 });
    expect(await cache.thumbnailCacheSize()).toBeGreaterThan(0);

    const zip = await readAll(downloadZip({ api: phone.api }, photos.slice(0, 2)));
    expect(Buffer.from(zip.subarray(0, 4)).toString('latin1')).toBe('PK\u0003\u0004');
    for (const p of photos.slice(0, 2)) expect(Buffer.from(zip).includes(Buffer.from(p.fileName))).toBe(true);
  });

  it('attaches a photo chosen again instead of uploading it twice', async () => {
    const phone = await device();
    const uploader = phone.openUploader(phone.state);
    await uploader.start();
    const counts = watchBatchCounts(uploader);
    const path = await writeTemp('same.jpg', await photoBytes('jpeg', 800, 600));
    const first = uploader.add([await fileSourceFromPath(path), await fileSourceFromPath(path)]);
    await uploader.whenIdle();
    const usedAfterFirst = (await phone.usage()).usedBytes;
    const again = uploader.add([await fileSourceFromPath(path)]);
    await uploader.whenIdle();
    counts.expectRight();
    expect(uploader.batch(first)).toMatchObject({ files: 2, finished: 2, failed: 0 });
    expect(uploader.batch(again)).toMatchObject({ files: 1, finished: 1, failed: 0, totalBytes: 0 });

    const files = uploader.files();
    expect(files.filter((f) => f.status === 'done')).toHaveLength(1);
    expect(files.filter((f) => f.status === 'duplicate')).toHaveLength(2);
    const done = files.find((f) => f.status === 'done')!;
    expect(files.find((f) => f.batchId === again)?.photoId).toBe(done.photoId);
    expect((await phone.usage()).usedBytes).toBe(usedAfterFirst);
    expect(phone.client.library.queries.timeline().flatMap((d) => d.photos)).toHaveLength(1);
  });

  it('refuses a photo over the quota with a typed error and changes nothing, and sends it on retry once there is room', async () => {
    const phone = await device();
    await server.deps.db
      .withTables<{ blob_quotas: { user_id: string; quota_bytes: number | null } }>()
      .insertInto('blob_quotas')
      .values({ user_id: phone.user.userId, quota_bytes: 100_000 })
      .execute();
    let reservations = 0;
    phone.network.beforeRequest = (url) => {
      if (url.includes('/v1/blobs/reserve')) reservations++;
    };
    const uploader = phone.openUploader(phone.state);
    await uploader.start();
    const counts = watchBatchCounts(uploader);
    const batchId = uploader.add([
      await fileSourceFromPath(await writeTemp('big.jpg', await photoBytes('jpeg', 1000, 800))),
    ]);
    await uploader.whenIdle();

    const [file] = uploader.files();
    expect(file).toMatchObject({ status: 'failed', failure: { type: 'QuotaExceeded' } });
    counts.expectRight();
    expect(uploader.batch(batchId)).toMatchObject({ files: 1, finished: 0, failed: 1 });
    expect(reservations).toBe(1); // a full quota is not tried again
    expect(await phone.usage()).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
    await phone.syncOrThrow();
    expect(phone.client.library.queries.timeline()).toEqual([]);

    await server.deps.db
      .withTables<{ blob_quotas: { user_id: string; quota_bytes: number | null } }>()
      .updateTable('blob_quotas')
      .set({ quota_bytes: 100 * MiB })
      .where('user_id', '=', phone.user.userId)
      .execute();
    await uploader.retry(file!.jobId);
    await uploader.whenIdle();
    expect(uploader.files()).toMatchObject([{ status: 'done', failure: null }]);
  });

  it('pauses without losing anything, resumes, and cancels a file so that nothing of it stays', async () => {
    const phone = await device();
    const uploader = phone.openUploader(phone.state);
    await uploader.start();
    const counts = watchBatchCounts(uploader);
    const sending = new Promise<void>((resolve) =>
      uploader.subscribe((e) => {
        if (e.type === 'file' && e.status === 'sending') resolve();
      }),
    );
    const kept = await fileSourceFromPath(await writeTemp('kept.bin', randomBytes(6 * MiB)));
    uploader.add([kept]);
    await sending;
    uploader.pause();
    expect(uploader.files()).toMatchObject([{ status: 'waiting' }]);
    uploader.resume();
    await uploader.whenIdle();
    expect(uploader.files()).toMatchObject([{ status: 'done' }]);

    uploader.pause();
    const dropped = fileSourceFromBlob(new Blob([randomBytes(300_000)]), 'dropped.bin');
    uploader.add([dropped]);
    const queued = new Promise<string>((resolve) =>
      uploader.subscribe((e) => {
        if (e.type === 'file' && e.fileName === 'dropped.bin' && e.status === 'waiting') resolve(e.jobId);
      }),
    );
    await uploader.cancel(await queued);
    uploader.resume();
    await uploader.whenIdle();
    expect(uploader.files().find((f) => f.fileName === 'dropped.bin')).toMatchObject({ status: 'cancelled' });
    counts.expectRight();
    expect(await phone.state.listJobs()).toEqual([]);
    await phone.syncOrThrow();
    expect(
      phone.client.library.queries
        .timeline()
        .flatMap((d) => d.photos)
        .map((p) => p.fileName),
    ).toEqual([expect.stringContaining('kept.bin')]);
  });

  it('resumes after the client stops mid-upload: no record before its blobs, no blob twice, identical bytes', async () => {
    const phone = await device();
    const bytes = randomBytes(14 * MiB);
    const path = await writeTemp('movie.mov', bytes);
    const first = phone.openUploader(phone.state);
    await first.start();
    const halfway = new Promise<void>((resolve) =>
      first.subscribe((e) => {
        if (e.type === 'file' && e.sentBytes > 2 * MiB) resolve();
      }),
    );
    first.add([await fileSourceFromPath(path)]);
    await halfway;
    first.close(); // the tab is closed mid-upload
    await phone.syncOrThrow();
    const other = await openHalyonClient({
      store: await openMemoryStore(),
      transport: createFetchTransport({ baseUrl: http.url, accessToken: () => phone.user.accessToken }),
      masterKey: phone.masterKey,
    });
    await phone.syncOrThrow(other);
    expect(other.library.queries.timeline()).toEqual([]);
    expect((await phone.usage()).usedBytes).toBe(0);

    const resumedFrom: string[] = [];
    phone.network.beforeRequest = (url, init) => {
      if (url.endsWith('/content') && init?.method === 'PUT') {
        resumedFrom.push(new Headers(init.headers).get('content-range') ?? 'whole');
      }
    };
    const second = phone.openUploader(phone.state); // the reload
    await second.start();
    await second.whenIdle();
    expect(second.files()).toMatchObject([
      { status: 'done', fileName: expect.stringContaining('movie.mov') },
    ]);
    if (storeKind === 'filesystem') {
      // The server kept what arrived; the same ciphertext is made again and only the rest is sent.
      expect(resumedFrom).toEqual([expect.stringMatching(/^bytes [1-9]\d*-\d+\/\d+$/)]);
    }
    expect(await phone.state.listJobs()).toEqual([]);
    await phone.syncOrThrow();
    await phone.syncOrThrow(other);
    const [photo] = other.library.queries.timeline().flatMap((d) => d.photos);
    const usage = await phone.usage();
    expect(usage.reservedBytes).toBe(0);
    expect(usage.usedBytes).toBeGreaterThan(bytes.length); // the one original (padded), not two
    expect(usage.usedBytes).toBeLessThan(bytes.length * 1.2);
    const file = await downloadOriginal({ api: phone.api }, photo!);
    if (!file.ok) throw new Error(JSON.stringify(file.error));
    expect(sha256(await readAll(file.value.stream))).toBe(sha256(bytes));
  });

  it('fails a file whose server keeps answering 5xx as TooManyAttempts once its attempts ran out, and sends it on retry', async () => {
    const phone = await device();
    let reserveAttempts = 0;
    phone.network.answerInstead = (url) => {
      if (!url.includes('/v1/blobs/reserve')) return undefined;
      reserveAttempts++;
      const problem = { type: 'about:blank', title: 'Unavailable', status: 503, code: 'unavailable' };
      return new Response(JSON.stringify(problem), {
        status: 503,
        headers: { 'content-type': 'application/problem+json' },
      });
    };
    const uploader = phone.openUploader(phone.state, { maxAttempts: 3 });
    await uploader.start();
    uploader.add([fileSourceFromBlob(new Blob([await photoBytes('png', 120, 80)]), 'unlucky.png')]);
    await uploader.whenIdle();
    const [file] = uploader.files();
    expect(file).toMatchObject({
      status: 'failed',
      failure: { type: 'TooManyAttempts', detail: expect.stringContaining('503') },
    });
    expect(reserveAttempts).toBe(3);

    phone.network.answerInstead = () => undefined;
    await uploader.retry(file!.jobId);
    await uploader.whenIdle();
    expect(uploader.files()).toMatchObject([{ status: 'done', failure: null }]);
  });

  /** Opens an uploader whose record writes are counted, and that is closed by `closeWhen` from inside its work. */
  const closableUploader = (phone: Awaited<ReturnType<typeof device>>, overrides: Partial<UploaderDeps>) => {
    const seen = { recordWritesAfterClose: 0, closed: false };
    const uploader = phone.openUploader(phone.state, {
      addPhotos: (photos) => {
        if (seen.closed) seen.recordWritesAfterClose++;
        return phone.client.library.addPhotos(photos);
      },
      ...overrides,
    });
    const close = () => {
      seen.closed = true;
      return uploader.close();
    };
    return { uploader, seen, close };
  };

  /** The next uploader finishes what the closed one left, and the photo is in the library once. */
  const expectResumed = async (phone: Awaited<ReturnType<typeof device>>, fileName: string) => {
    const next = phone.openUploader(phone.state);
    await next.start();
    await next.whenIdle();
    expect(next.files()).toMatchObject([{ status: 'done', fileName }]);
    expect(await phone.state.listJobs()).toEqual([]);
    expect(phone.client.library.queries.timeline().flatMap((d) => d.photos.map((p) => p.fileName))).toEqual([
      fileName,
    ]);
  };

  it('closes between the last commit and the record: no record after close, and the next run writes it without sending again', async () => {
    const phone = await device();
    let committing = false;
    let closing: Promise<void> | undefined;
    const { uploader, seen, close } = closableUploader(phone, {
      state: {
        ...phone.state,
        async putJob(sealed) {
          await phone.state.putJob(sealed);
          if (committing && !closing) closing = close(); // the commit answered and was persisted: lock now
        },
      },
    });
    phone.network.beforeRequest = (url) => {
      if (url.includes('/commit')) committing = true;
    };
    await uploader.start();
    const source = fileSourceFromBlob(new Blob([await photoBytes('png', 300, 200)]), 'window.png');
    uploader.add([source]);
    await expect.poll(() => closing !== undefined, { timeout: 30_000 }).toBe(true);
    await closing;
    expect(seen.recordWritesAfterClose).toBe(0);
    expect(phone.client.library.queries.timeline()).toEqual([]);

    const usedBefore = (await phone.usage()).usedBytes;
    const sent: string[] = [];
    phone.network.beforeRequest = (url) => sent.push(url);
    await expectResumed(phone, 'window.png');
    expect(sent).toEqual([]); // every blob was committed already
    expect((await phone.usage()).usedBytes).toBe(usedBefore);
  });

  it('closes just as the commit is answered: the commit is kept, and the next run writes the record without reserving again', async () => {
    const phone = await device();
    let closing: Promise<void> | undefined;
    const { uploader, seen, close } = closableUploader(phone, {
      api: {
        ...phone.api,
        async commitMany(blobs) {
          const answer = await phone.api.commitMany(blobs);
          closing = close(); // aborts the job's signal before the uploader has read the answer
          return answer;
        },
      },
    });
    await uploader.start();
    uploader.add([fileSourceFromBlob(new Blob([await photoBytes('png', 300, 200)]), 'late.png')]);
    await expect.poll(() => closing !== undefined, { timeout: 30_000 }).toBe(true);
    await closing;
    expect(seen.recordWritesAfterClose).toBe(0);

    const sent: string[] = [];
    phone.network.beforeRequest = (url) => sent.push(url);
    await expectResumed(phone, 'late.png');
    expect(sent).toEqual([]); // not even a reservation: the closed run kept the commit
  });

  it('closes while a file is being prepared: the preparation stops, nothing is written after close, and the next run sends it', async () => {
    const phone = await device();
    const thumbnails = createSharpThumbnailMaker();
    let closing: Promise<void> | undefined;
    const { uploader, seen, close } = closableUploader(phone, {
      prepareConcurrency: 1,
      thumbnails: {
        make: (source, media) => {
          closing ??= close(); // the vault is locked while the thumbnails are being made
          return thumbnails.make(source, media);
        },
      },
    });
    await uploader.start();
    const queuedBehind = fileSourceFromBlob(new Blob([await photoBytes('png', 200, 200)]), 'behind.png');
    uploader.add([
      fileSourceFromBlob(new Blob([await photoBytes('jpeg', 300, 200)]), 'preparing.jpg'),
      queuedBehind,
    ]);
    await expect.poll(() => closing !== undefined, { timeout: 30_000 }).toBe(true);
    await closing;
    const jobsAtClose = await phone.state.listJobs();
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything still running would write by now
    expect(await phone.state.listJobs()).toEqual(jobsAtClose);
    expect(seen.recordWritesAfterClose).toBe(0);
    expect(phone.client.library.queries.timeline()).toEqual([]);
    expect((await phone.usage()).usedBytes).toBe(0);
    await expectResumed(phone, 'preparing.jpg');
  });

  if (storeKind === 's3') {
    it('resumes a multipart upload cut off by a lost network and a reload by sending only the parts not yet stored', async () => {
      const phone = await device();
      const bytes = randomBytes(23 * MiB); // 5 parts of 5 MiB
      const path = await writeTemp('long-video.bin', bytes);
      const partsSent: number[] = [];
      let dropped = false;
      phone.network.beforeRequest = (url) => {
        const partNumber = new URL(url).searchParams.get('partNumber');
        if (partNumber === null || !phone.network.online) return;
        if (partNumber === '3' && !dropped) {
          dropped = true;
          phone.network.online = false; // the network drops as part 3 starts
        } else {
          partsSent.push(Number(partNumber));
        }
      };
      const first = phone.openUploader(phone.state);
      await first.start();
      const offline = new Promise<void>((resolve) =>
        first.subscribe((e) => {
          if (e.type === 'file' && e.status === 'waiting' && !phone.network.online) resolve();
        }),
      );
      first.add([await fileSourceFromPath(path)]);
      await offline;
      expect(partsSent).toEqual([1, 2]);
      first.close(); // and the tab is reloaded while offline

      partsSent.length = 0;
      phone.network.online = true;
      const second = phone.openUploader(phone.state);
      await second.start();
      await second.whenIdle();
      expect(second.files()).toMatchObject([{ status: 'done' }]);
      expect(partsSent).toEqual([3, 4, 5]);
      await phone.syncOrThrow();
      const [photo] = phone.client.library.queries.timeline().flatMap((d) => d.photos);
      const file = await downloadOriginal({ api: phone.api }, photo!);
      if (!file.ok) throw new Error(JSON.stringify(file.error));
      expect(sha256(await readAll(file.value.stream))).toBe(sha256(bytes));
      const usage = await phone.usage();
      expect(usage.reservedBytes).toBe(0);
      expect(usage.usedBytes).toBeLessThan(bytes.length * 1.1); // one original, not two
    });
  }

  it('keeps sending after the server is restarted mid-upload', async () => {
    const phone = await device();
    const bytes = randomBytes(12 * MiB);
    const uploader = phone.openUploader(phone.state);
    await uploader.start();
    const started = new Promise<void>((resolve) =>
      uploader.subscribe((e) => {
        if (e.type === 'file' && e.status === 'sending') resolve();
      }),
    );
    uploader.add([await fileSourceFromPath(await writeTemp('trip.mp4', bytes))]);
    await started;
    const port = http.port;
    await http.stop(0); // every connection is cut
    http = await startHttpServer(server.app, { host: '127.0.0.1', port });
    uploader.retryNow();
    await uploader.whenIdle();
    expect(uploader.files()).toMatchObject([{ status: 'done' }]);
    await phone.syncOrThrow();
    const [photo] = phone.client.library.queries.timeline().flatMap((d) => d.photos);
    const file = await downloadOriginal({ api: phone.api }, photo!);
    if (!file.ok) throw new Error(JSON.stringify(file.error));
    expect(sha256(await readAll(file.value.stream))).toBe(sha256(bytes));
    expect((await phone.usage()).reservedBytes).toBe(0);
  });

  it('queues photos chosen offline encrypted in the local store and sends them when the network returns', async () => {
    const phone = await device();
    phone.network.online = false;
    const networkListeners = new Set<(online: boolean) => void>();
    const uploader = phone.openUploader(phone.state, {
      network: {
        isOnline: () => phone.network.online,
        onChange: (listener) => {
          networkListeners.add(listener);
          return () => networkListeners.delete(listener);
        },
      },
      // Only the network's return can end this wait within the test's time.
      retryBaseMs: 600_000,
      retryMaxMs: 600_000,
      random: () => 1,
    });
    await uploader.start();
    const bytes = await photoBytes('jpeg', 900, 700);
    const picked: FileSource = fileSourceFromBlob(
      new Blob([bytes]),
      'offline-secret-name.jpg',
      Date.UTC(2020, 0, 1),
    );
    uploader.add([picked]);
    const waiting = new Promise<void>((resolve) =>
      uploader.subscribe((e) => {
        if (e.type === 'file' && e.status === 'waiting') resolve();
      }),
    );
    await waiting;
    const [job] = await phone.state.listJobs();
    expect(Buffer.from(job!.sealed).includes(Buffer.from('offline-secret-name'))).toBe(false);

    phone.network.online = true;
    for (const listener of networkListeners) listener(true);
    await uploader.whenIdle();
    expect(uploader.files()).toMatchObject([{ status: 'done' }]);
    await uploader.close();
    expect(networkListeners.size).toBe(0);
    await phone.syncOrThrow();
    const [photo] = phone.client.library.queries.timeline().flatMap((d) => d.photos);
    expect(photo?.fileName).toBe('offline-secret-name.jpg');
    const file = await downloadOriginal({ api: phone.api }, photo!);
    if (!file.ok) throw new Error(JSON.stringify(file.error));
    expect(sha256(await readAll(file.value.stream))).toBe(sha256(bytes));
  });
});
