/**
 * A 2 GiB file through the whole pipeline (keyed hash, encrypt, upload to the real server's filesystem store,
 * commit, record, download, decrypt) with memory bounded by a few chunks: the bytes are generated as a stream
 * (AES-CTR keystream, so any range can be produced again) and never held.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { registerTestUser } from '@halyon/server';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { expect, it } from 'vitest';
import { deriveContentHashKey, type MasterKey } from '../crypto';
import { downloadOriginal } from '../download/download';
import { openHalyonClient } from '../library/client';
import { deriveUploadStateKey } from '../library/derived-keys';
import { openMemoryStore } from '../store/test-store';
import { openUploadStore } from '../store/upload-store';
import { useRealServer } from '../testing/real-server';
import { createFetchTransport } from '../transport/fetch-transport';
import { createFetchBlobApi } from './blob-api';
import { createContentHashLookup } from './content-hash-lookup';
import type { FileSource } from './file-source';
import { createNodeUploadFetch } from './node-upload-fetch';
import { noThumbnails } from './thumbnails';
import { createUploader } from './uploader';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SIZE = 2 * GiB;
const PIECE = 4 * MiB;

const real = useRealServer();

/** `size` pseudo-random bytes, the same every time they are read; `start` must be a multiple of 16. */
const generatedFile = (name: string, size: number): FileSource => ({
  name,
  size,
  type: '',
  lastModified: Date.UTC(2024, 0, 1),
  reopenRef: name,
  async *stream(start = 0, end = size) {
    if (start % 16 !== 0) throw new RangeError('start must be a multiple of 16');
    const counter = Buffer.alloc(16);
    counter.writeBigUInt64BE(BigInt(start / 16), 8);
    const keystream = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), counter);
    const zeros = Buffer.alloc(PIECE);
    for (let at = start; at < end; at += PIECE) {
      const piece = keystream.update(zeros.subarray(0, Math.min(PIECE, end - at)));
      yield new Uint8Array(piece.buffer, piece.byteOffset, piece.length);
    }
  },
});

const sha256Of = async (pieces: AsyncIterable<Uint8Array>) => {
  const hash = createHash('sha256');
  let length = 0;
  for await (const piece of pieces) {
    hash.update(piece);
    length += piece.length;
  }
  return { digest: hash.digest('hex'), length };
};

/**
 * Peak growth over a baseline, sampled while `run` runs: of what JavaScript holds (the heap and the array buffers,
 * where every chunk of the file would be), and of the process's RSS (the same bound, looser, since it also counts
 * memory the allocator has not handed back).
 */
const measurePeakGrowth = async <T>(run: () => Promise<T>) => {
  const base = process.memoryUsage();
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss - base.rss);
    heap = Math.max(heap, now.heapUsed + now.arrayBuffers - base.heapUsed - base.arrayBuffers);
  };
  const timer = setInterval(sample, 50);
  try {
    const value = await run();
    sample();
    return { value, rssGrowth: rss, heapGrowth: heap };
  } finally {
    clearInterval(timer);
  }
};

it('streams a 2 GiB file through encrypt, upload, download and decrypt with bounded memory and identical bytes', {
  timeout: 300_000,
}, async () => {
  const user = await registerTestUser(real.server);
  const masterKey = crypto.getRandomValues(new Uint8Array(32)) as MasterKey;
  const client = await openHalyonClient({
    store: await openMemoryStore(),
    transport: createFetchTransport({ baseUrl: real.url, accessToken: () => user.accessToken }),
    masterKey,
  });
  const api = createFetchBlobApi({
    baseUrl: real.url,
    accessToken: () => user.accessToken,
    fetch: createNodeUploadFetch(),
  });
  const file = generatedFile('big.bin', SIZE);
  const uploader = createUploader({
    api,
    state: await openUploadStore(`large-${process.pid}`, { indexedDB, IDBKeyRange }),
    stateKey: deriveUploadStateKey(masterKey),
    contentHashKey: await deriveContentHashKey(masterKey),
    thumbnails: noThumbnails,
    streamBodies: true,
    addPhotos: (photos) => client.library.addPhotos(photos),
    findPhotoByContentHash: createContentHashLookup(client.library),
  });
  await uploader.start();

  const uploaded = await measurePeakGrowth(async () => {
    uploader.add([file]);
    await uploader.whenIdle();
  });
  expect(uploader.files()).toMatchObject([{ status: 'done' }]);
  const sync = await client.sync();
  expect(sync.ok).toBe(true);
  const [photo] = client.library.queries.timeline().flatMap((d) => d.photos);
  expect(photo).toMatchObject({ fileName: 'big.bin', size: SIZE });

  const downloaded = await measurePeakGrowth(async () => {
    const opened = await downloadOriginal({ api }, photo!);
    if (!opened.ok) throw new Error(JSON.stringify(opened.error));
    return sha256Of(opened.value.stream);
  });
  const original = await sha256Of(file.stream());
  expect(downloaded.value).toEqual(original);
  // A few 1 MiB chunks and 4 MiB pieces in flight on both sides of the socket, plus garbage not yet collected:
  // far below the file's 2 GiB.
  for (const run of [uploaded, downloaded]) {
    expect(run.heapGrowth).toBeLessThan(256 * MiB);
    expect(run.rssGrowth).toBeLessThan(256 * MiB);
  }
  console.info(
    `2 GiB: upload peak RSS +${(uploaded.rssGrowth / MiB).toFixed(0)} MiB, heap +${(uploaded.heapGrowth / MiB).toFixed(0)} MiB; ` +
      `download peak RSS +${(downloaded.rssGrowth / MiB).toFixed(0)} MiB, heap +${(downloaded.heapGrowth / MiB).toFixed(0)} MiB`,
  );
});
