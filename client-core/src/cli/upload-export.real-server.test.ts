/**
 * `halyon upload`, `export` and `download` in-process against the real server on a loopback port (filesystem blob
 * store), with JPEGs made by sharp, a temporary home and temporary folders.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnFreePort, startTestServer } from '@halyon/server';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64, deriveContentHashKey, unlockVaultWithPassword } from '../crypto';
import { openHalyonClient } from '../library/client';
import { deriveUploadStateKey } from '../library/derived-keys';
import type { NewPhoto } from '../library/library';
import type { PhotoView } from '../library/queries';
import { openMemoryStore } from '../store/test-store';
import { openUploadStore } from '../store/upload-store';
import { createFetchTransport } from '../transport/fetch-transport';
import { createFetchBlobApi } from '../upload/blob-api';
import { createContentHashLookup } from '../upload/content-hash-lookup';
import { fileSourceFromBytes } from '../upload/file-source';
import { noThumbnails } from '../upload/thumbnails';
import { createUploader } from '../upload/uploader';
import { register } from './commands';
import { download, exportLibrary } from './export';
import { list } from './library-commands';
import { readSession } from './session';
import type { CliIo } from './signed-in';
import { makeThumbnails } from './thumbnails';
import { upload } from './upload';

let server: Awaited<ReturnType<typeof startTestServer>>;
let http: Awaited<ReturnType<typeof listenOnFreePort>>;
let scratch: string;

beforeAll(async () => {
  server = await startTestServer();
  http = await listenOnFreePort(server.app);
  scratch = await mkdtemp(join(tmpdir(), 'halyon-cli-files-'));
});

afterAll(async () => {
  await http?.stop(1000);
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

const PASSWORD = 'correct horse battery staple';
let folders = 0;
const newFolder = async (name = `f${++folders}`) => {
  const path = join(scratch, `${name}-${randomBytes(3).toString('hex')}`);
  await mkdir(path, { recursive: true });
  return path;
};

/** A small JPEG of noise, with a camera date, so each one is a distinct photo. */
const jpeg = (day: number) =>
  sharp(randomBytes(320 * 240 * 3), { raw: { width: 320, height: 240, channels: 3 } })
    .jpeg()
    .withExif({ IFD2: { DateTimeOriginal: `2024:05:${String(day).padStart(2, '0')} 10:00:00` } })
    .toBuffer();

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/** The blob ids a reservation or a commit names, one at a time or in a batch (protocol/src/blobs.ts). */
const blobIdsOf = (request: Recorded, action: 'reserve' | 'commit'): string[] => {
  if (request.method !== 'POST') return [];
  const one = action === 'reserve' ? /^\/v1\/blobs$/ : /^\/v1\/blobs\/([^/]+)\/commit$/;
  const match = one.exec(request.path);
  if (match) return [match[1] ?? (request.body as { id: string }).id];
  if (request.path !== `/v1/blobs/${action}-batch`) return [];
  return (request.body as { blobs: { id: string }[] }).blobs.map((blob) => blob.id);
};

/** Every request the CLI makes (method, path, JSON body), and a switch that makes them fail like a lost network. */
const recordingFetch = () => {
  const requests: Recorded[] = [];
  const network = {
    online: true,
    /** Requests the server is made to answer 503 (it is "overloaded" for them). */
    refuse: (_request: Recorded) => false,
    onAnswer: (_request: Recorded, _ok: boolean) => {},
  };
  const fetchRecorded: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const request = { method: init?.method ?? 'GET', path: url.pathname, body };
    requests.push(request);
    if (!network.online) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    if (network.refuse(request)) {
      const problem = { type: 'about:blank', title: 'Unavailable', status: 503, code: 'unavailable' };
      return new Response(JSON.stringify(problem), {
        status: 503,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    }
    const answer = await fetch(input, init);
    network.onAnswer(request, answer.ok);
    return answer;
  };
  const reservedIds = () => requests.flatMap((r) => blobIdsOf(r, 'reserve'));
  return { fetch: fetchRecorded, requests, network, reservedIds };
};

/** A registered CLI with its own home. */
const signedInCli = async (options: Partial<CliIo> = {}, serverUrl = http.url) => {
  const home = await newFolder('home');
  const output: string[] = [];
  const errors: string[] = [];
  const io: CliIo = {
    home,
    print: (line) => output.push(line),
    printError: (line) => errors.push(line),
    promptPassword: async () => PASSWORD,
    retryBaseMs: 5,
    retryMaxMs: 20,
    ...options,
  };
  const email = `cli-files-${randomBytes(6).toString('hex')}@example.test`;
  expect(await register({ ...io, fetch: globalThis.fetch }, serverUrl, email)).toBe(0);
  output.length = 0;
  const lines = (prefix: string) => output.filter((line) => line.startsWith(`${prefix}\t`));
  /** The account's library as another device sees it (the master key from the CLI's saved vault). */
  const otherDevice = async () => {
    const session = (await readSession(home))!;
    const unlocked = await unlockVaultWithPassword(session.vault, PASSWORD, email);
    if (!unlocked.ok) throw new Error('vault does not open');
    const client = await openHalyonClient({
      store: await openMemoryStore(),
      transport: createFetchTransport({ baseUrl: serverUrl, accessToken: () => session.accessToken }),
      masterKey: unlocked.value.vault.masterKey,
    });
    const synced = await client.sync();
    if (!synced.ok) throw new Error(`sync failed: ${JSON.stringify(synced.error)}`);
    return client;
  };
  return { io, output, errors, lines, otherDevice };
};

const photosIn = async (io: CliIo, options = {}) => {
  const output: string[] = [];
  expect(
    await list({ ...io, print: (line) => output.push(line) }, 'photos', { ...options, json: true }),
  ).toBe(0);
  return output.map((line) => JSON.parse(line) as { id: string; fileName: string });
};

// Each command derives the vault key (Argon2) once; a loaded machine makes that slow, not wrong.
describe('halyon upload, export and download', { timeout: 180_000 }, () => {
  it('uploads a folder once, sends nothing on a rerun, and exports it byte for byte, incrementally', async () => {
    const recorder = recordingFetch();
    const cli = await signedInCli({ fetch: recorder.fetch });
    const folder = await newFolder('photos');
    await mkdir(join(folder, 'day two'));
    const originals = new Map<string, Buffer>([
      ['beach.jpg', await jpeg(1)],
      ['boat.jpg', await jpeg(2)],
      [join('day two', 'dunes.jpg'), await jpeg(3)],
    ]);
    for (const [name, bytes] of originals) await writeFile(join(folder, name), bytes);
    await writeFile(join(folder, '.thumbs.jpg'), await jpeg(4)); // hidden: not uploaded

    expect(await upload(cli.io, [folder], { album: 'Trip', tag: 'Sea' })).toBe(0);
    expect(cli.lines('uploaded')).toHaveLength(3);
    expect(cli.output.at(-1)).toBe('3 uploaded, 0 already in the library, 0 failed');
    const inAlbum = await photosIn(cli.io, { album: 'Trip' });
    expect(inAlbum.map((p) => p.fileName).sort()).toEqual(['beach.jpg', 'boat.jpg', 'dunes.jpg']);
    expect((await photosIn(cli.io, { tag: 'Sea' })).map((p) => p.id).sort()).toEqual(
      inAlbum.map((p) => p.id).sort(),
    );
    // Another device sees them, in the album, after a sync.
    const laptop = await cli.otherDevice();
    expect(laptop.library.queries.albums().map((a) => [a.name, a.photoCount])).toEqual([['Trip', 3]]);

    cli.output.length = 0;
    recorder.requests.length = 0;
    expect(await upload(cli.io, [folder])).toBe(0);
    expect(cli.lines('duplicate')).toHaveLength(3);
    expect(cli.lines('uploaded')).toHaveLength(0);
    expect(recorder.reservedIds()).toEqual([]);

    const out = await newFolder('export');
    cli.output.length = 0;
    expect(await exportLibrary(cli.io, { out })).toBe(0);
    expect(cli.lines('exported')).toHaveLength(3);
    expect((await readdir(out)).sort()).toEqual(['beach.jpg', 'boat.jpg', 'dunes.jpg']);
    for (const [name, bytes] of originals) {
      expect(Buffer.compare(await readFile(join(out, name.replace('day two/', ''))), bytes)).toBe(0);
    }

    // Again: nothing downloaded. A file the user changed is kept, and the photo is written beside it.
    await writeFile(join(out, 'boat.jpg'), 'my edit');
    cli.output.length = 0;
    recorder.requests.length = 0;
    expect(await exportLibrary(cli.io, { out })).toBe(0);
    expect(cli.lines('unchanged')).toHaveLength(2);
    expect(cli.lines('exported')).toEqual([expect.stringMatching(/\tboat \(2\)\.jpg$/)]);
    expect(recorder.requests.filter((r) => r.path.endsWith('/download'))).toHaveLength(1);
    expect(await readFile(join(out, 'boat.jpg'), 'utf8')).toBe('my edit');
    expect(Buffer.compare(await readFile(join(out, 'boat (2).jpg')), originals.get('boat.jpg')!)).toBe(0);

    const beach = inAlbum.find((p) => p.fileName === 'beach.jpg')!;
    const elsewhere = await newFolder('download');
    expect(await download(cli.io, [beach.id], { out: elsewhere })).toBe(0);
    expect(Buffer.compare(await readFile(join(elsewhere, 'beach.jpg')), originals.get('beach.jpg')!)).toBe(0);
    expect(await download(cli.io, ['not-a-photo'], { out: elsewhere })).toBe(1);
    expect(cli.errors.at(-1)).toBe('error: no photo with id not-a-photo');
  });

  it('keeps hostile file names inside the folder and never leaves a file that did not decrypt', async () => {
    const cli = await signedInCli();
    const folder = await newFolder('one');
    const bytes = await jpeg(5);
    await writeFile(join(folder, 'real.jpg'), bytes);
    expect(await upload(cli.io, [folder])).toBe(0);

    // Another device of the account (or, later, a member of a shared album) names photos as it likes.
    const phone = await cli.otherDevice();
    const [real] = phone.library.queries.timeline().flatMap((day) => day.photos);
    const renamed = (fileName: string, extra: Partial<NewPhoto> = {}): NewPhoto => {
      const { id, date, tagIds, ...fields } = real as PhotoView;
      return { ...fields, fileName, contentHash: bytesToBase64(randomBytes(32)), ...extra };
    };
    for (const name of [
      '../../etc/passwd',
      '..\\..\\windows\\evil.jpg',
      '\u001b[2J\u202egpj.exe\u0007.jpg',
      '.bashrc',
      '..',
      'CON.jpg',
      'same.jpg',
      'same.jpg',
    ])
      await phone.library.addPhoto(renamed(name));
    await phone.library.addPhoto(renamed('tampered.jpg', { fileKey: bytesToBase64(randomBytes(32)) }));
    expect((await phone.sync()).ok).toBe(true);

    const parent = await newFolder('parent');
    const out = join(parent, 'out');
    expect(await exportLibrary(cli.io, { out })).toBe(1);
    expect(await readdir(parent)).toEqual(['out']);
    expect((await readdir(out)).sort()).toEqual(
      [
        'real.jpg',
        'passwd',
        'evil.jpg',
        '[2Jgpj.exe.jpg',
        'bashrc',
        `photo-${
          phone.library.queries
            .timeline()
            .flatMap((d) => d.photos)
            .find((p) => p.fileName === '..')!.id
        }`,
        '_CON.jpg',
        'same.jpg',
        'same (2).jpg',
      ].sort(),
    );
    for (const name of await readdir(out))
      expect(Buffer.compare(await readFile(join(out, name)), bytes)).toBe(0);
    expect(cli.errors).toContainEqual(expect.stringMatching(/^failed: tampered\.jpg .*do not open/));
    expect(cli.errors.at(-1)).toBe('error: 1 photo(s) could not be exported');
  });

  it('ends with a clear message when the network is lost, and the rerun sends only what is missing', async () => {
    const offline = await signedInCli({ fetch: () => Promise.reject(new TypeError('fetch failed')) });
    const folder = await newFolder('four');
    for (const day of [6, 7, 8, 9]) await writeFile(join(folder, `day-${day}.jpg`), await jpeg(day));
    expect(await upload(offline.io, [folder])).toBe(1);
    expect(offline.errors.at(-1)).toBe(
      'error: cannot start the upload: cannot reach the server (fetch failed)',
    );

    const recorder = recordingFetch();
    const cli = await signedInCli({ fetch: recorder.fetch, offlinePatienceMs: 0 });
    const committedBeforeLoss: string[] = [];
    // The network goes after the first commit: some blobs are on the server, the rest are not.
    recorder.network.onAnswer = (request, ok) => {
      const committed = blobIdsOf(request, 'commit');
      if (!ok || committed.length === 0) return;
      committedBeforeLoss.push(...committed);
      recorder.network.online = false;
    };
    expect(await upload(cli.io, [folder])).toBe(1);
    expect(cli.errors.at(-1)).toMatch(
      /^error: cannot reach the server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): \d file\(s\) not sent; run the same command again to send them$/,
    );

    recorder.network.online = true;
    recorder.network.onAnswer = () => {};
    recorder.requests.length = 0;
    cli.output.length = 0;
    expect(await upload(cli.io, [folder])).toBe(0);
    const reservedNow = recorder.reservedIds();
    expect(reservedNow.filter((id) => committedBeforeLoss.includes(id))).toEqual([]);
    // Four photos of two blobs each (thumbnail and original; no preview at this size).
    expect(reservedNow).toHaveLength(8 - committedBeforeLoss.length);
    expect((await photosIn(cli.io)).map((p) => p.fileName).sort()).toEqual([
      'day-6.jpg',
      'day-7.jpg',
      'day-8.jpg',
      'day-9.jpg',
    ]);
  });

  it('tries the files an earlier run failed again, and counts them only if they fail again', async () => {
    const recorder = recordingFetch();
    const cli = await signedInCli({ fetch: recorder.fetch });
    const folder = await newFolder('refused');
    for (const day of [14, 15]) await writeFile(join(folder, `day-${day}.jpg`), await jpeg(day));
    recorder.network.refuse = (request) => blobIdsOf(request, 'reserve').length > 0;
    expect(await upload(cli.io, [folder])).toBe(1);
    expect(cli.errors.filter((line) => line.startsWith('failed: '))).toEqual([
      expect.stringMatching(/^failed: day-1[45]\.jpg: gave up after repeated errors \(503: /),
      expect.stringMatching(/^failed: day-1[45]\.jpg: gave up after repeated errors \(503: /),
    ]);

    recorder.network.refuse = () => false;
    cli.output.length = 0;
    cli.errors.length = 0;
    expect(await upload(cli.io, [folder])).toBe(0);
    expect(cli.errors).toEqual(['resuming 2 file(s) from an earlier run']);
    expect(cli.lines('uploaded')).toHaveLength(2);
    expect(cli.output.at(-1)).toBe('2 uploaded, 0 already in the library, 0 failed');
  });

  it('stops on Ctrl-C with exit code 130, and the rerun finishes the job', async () => {
    const interrupt = new AbortController();
    const recorder = recordingFetch();
    const cli = await signedInCli({ fetch: recorder.fetch, signal: interrupt.signal });
    const folder = await newFolder('three');
    for (const day of [10, 11, 12]) await writeFile(join(folder, `day-${day}.jpg`), await jpeg(day));
    recorder.network.onAnswer = (request) => {
      if (blobIdsOf(request, 'commit').length > 0) interrupt.abort();
    };
    expect(await upload(cli.io, [folder])).toBe(130);
    expect(cli.errors.at(-1)).toMatch(/^interrupted: \d file\(s\) not sent yet; run the same command again/);

    recorder.network.onAnswer = () => {};
    cli.output.length = 0;
    expect(await upload({ ...cli.io, signal: new AbortController().signal }, [folder])).toBe(0);
    expect((await photosIn(cli.io)).map((p) => p.fileName).sort()).toEqual([
      'day-10.jpg',
      'day-11.jpg',
      'day-12.jpg',
    ]);
  });
});

describe('halyon upload on a nearly full account', { timeout: 180_000 }, () => {
  let small: Awaited<ReturnType<typeof startTestServer>>;
  let smallHttp: Awaited<ReturnType<typeof listenOnFreePort>>;
  beforeAll(async () => {
    small = await startTestServer({ env: { BLOB_DEFAULT_QUOTA_BYTES: String(150_000) } });
    smallHttp = await listenOnFreePort(small.app);
  });
  afterAll(async () => {
    await smallHttp?.stop(1000);
    await small?.close();
  });

  it('uploads what fits, names the file that does not and why, and exits 1', async () => {
    const cli = await signedInCli({}, smallHttp.url);
    const folder = await newFolder('quota');
    const fits = await jpeg(13);
    const tooBig = await sharp(randomBytes(800 * 600 * 3), { raw: { width: 800, height: 600, channels: 3 } })
      .jpeg()
      .toBuffer();
    expect(fits.length).toBeLessThan(100_000);
    expect(tooBig.length).toBeGreaterThan(150_000);
    await writeFile(join(folder, 'fits.jpg'), fits);
    await writeFile(join(folder, 'too-big.jpg'), tooBig);

    expect(await upload(cli.io, [folder])).toBe(1);
    expect(cli.lines('uploaded')).toEqual([expect.stringMatching(/\tfits\.jpg$/)]);
    expect(cli.errors).toContainEqual(expect.stringMatching(/^failed: too-big\.jpg: storage quota exceeded/));
    expect(cli.errors.at(-1)).toBe('error: 1 file(s) failed; run the same command again to retry them');
    expect((await photosIn(cli.io)).map((p) => p.fileName)).toEqual(['fits.jpg']);
  });
});

describe('halyon thumbnails', { timeout: 180_000 }, () => {
  it('makes the thumbnails a device that could not decode its photos left out, once', async () => {
    const cli = await signedInCli();
    // Another device of the account uploads a JPEG without thumbnails, as one without a decoder would.
    const session = (await readSession(cli.io.home))!;
    const unlocked = await unlockVaultWithPassword(session.vault, PASSWORD, session.email);
    if (!unlocked.ok) throw new Error('vault does not open');
    const { masterKey } = unlocked.value.vault;
    const phone = await cli.otherDevice();
    const uploader = createUploader({
      api: createFetchBlobApi({ baseUrl: http.url, accessToken: () => session.accessToken }),
      state: await openUploadStore(`cli-thumbnails-${randomBytes(4).toString('hex')}`, {
        indexedDB,
        IDBKeyRange,
      }),
      stateKey: deriveUploadStateKey(masterKey),
      contentHashKey: await deriveContentHashKey(masterKey),
      thumbnails: noThumbnails,
      addPhotos: (photos) => phone.library.addPhotos(photos),
      findPhotoByContentHash: createContentHashLookup(phone.library, phone.engine),
      streamBodies: true,
    });
    await uploader.start();
    uploader.add([fileSourceFromBytes(new Uint8Array(await jpeg(5)), 'pier.jpg')]);
    await uploader.whenIdle();
    await uploader.close();
    expect((await phone.sync()).ok).toBe(true);
    const [photo] = phone.library.queries.timeline().flatMap((d) => d.photos);
    expect(photo!.blobs.thumbnail).toBeNull();

    expect(await makeThumbnails(cli.io)).toBe(0);
    expect(cli.output.at(-1)).toBe('1 photo(s) got thumbnails, 0 cannot be decoded on this machine');
    expect((await phone.sync()).ok).toBe(true);
    const after = phone.library.queries.photo(photo!.id)!;
    expect(after.blobs.thumbnail).not.toBeNull();
    expect(after).toMatchObject({ width: 320, height: 240 });

    expect(await makeThumbnails(cli.io)).toBe(0);
    expect(cli.output.at(-1)).toBe('0 photo(s) got thumbnails, 0 cannot be decoded on this machine');
  });
});
