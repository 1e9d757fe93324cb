/**
 * Client sync benchmark (`npm run bench:sync-client`), against the real server in-process on a loopback port
 * (PostgreSQL at DATABASE_URL, default the local one, else embedded PGlite):
 *   - initial sync: 100,000 records (photos, tags, albums and their links) into an empty client store,
 *   - warm start: from the local store to a decrypted in-memory library with the timeline ready,
 *   - offline push: 10,000 edits made offline, pushed when back online.
 * Targets on this machine (issue 4): 15 s, 1.5 s, 5 s. Each phase is split into time spent in the transport
 * (network, server and response parsing), in the local store, and the rest (decrypt, validate, merge, seal).
 * Store and transport calls can overlap, so the split is approximate. The last line is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import {
  createFetchTransport,
  type LocalStore,
  type MasterKey,
  type NewPhoto,
  openHalyonClient,
  openLocalStore,
  openMemoryLocalStore,
  type Transport,
} from '@halyon/client-core';
import { listenOnFreePort, registerTestUser, startTestServer } from '@halyon/server';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import pg from 'pg';

/** BENCH_RECORDS shrinks the run for a quick look; the targets are for 100,000. */
const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const PHOTOS = Math.round(RECORDS * 0.8);
const TAGS = Math.max(1, Math.round(RECORDS * 0.002));
const PHOTO_TAG_LINKS = Math.round(RECORDS * 0.15);
const ALBUMS = Math.max(1, Math.round(RECORDS * 0.0005));
const ALBUM_LINKS = RECORDS - PHOTOS - TAGS - PHOTO_TAG_LINKS - ALBUMS;
const OFFLINE_EDITS = Math.round(RECORDS / 10);
const TARGETS = { initial_sync_ms: 15_000, warm_start_ms: 1_500, offline_push_ms: 5_000 };

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
try {
  const probe = new pg.Client({ connectionString: databaseUrl });
  await probe.connect();
  await probe.end();
  process.env.DATABASE_URL = databaseUrl;
} catch {
  delete process.env.DATABASE_URL; // no PostgreSQL: the embedded PGlite
}

interface Bucket {
  ms: number;
}

/** Adds the time spent in every method call of `target` to `bucket`. */
const timed = <T extends object>(target: T, bucket: Bucket): T =>
  new Proxy(target, {
    get(object, name, receiver) {
      const value = Reflect.get(object, name, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await value.apply(object, args);
        } finally {
          bucket.ms += performance.now() - start;
        }
      };
    },
  });

/** BENCH_STORE=dexie measures the browser's store code on fake-indexeddb; the default is Node's memory store. */
const STORE = process.env.BENCH_STORE === 'dexie' ? 'dexie' : 'memory';
let stores = 0;
const newStore = async (): Promise<LocalStore> =>
  STORE === 'dexie'
    ? openLocalStore(`bench-${process.pid}-${++stores}`, { indexedDB, IDBKeyRange })
    : openMemoryLocalStore(`bench-${++stores}`);

/** The server refuses blob references until the blobs feature is mounted; photos here carry none to the server. */
const withoutBlobRefs = (inner: Transport): Transport => ({
  ...inner,
  push: (request) =>
    inner.push({ ops: request.ops.map((op) => ('ciphertext' in op ? { ...op, blobIds: [] } : op)) }),
});

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

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const server = await startTestServer();
const http = await listenOnFreePort(server.app);
const user = await registerTestUser(server);
const masterKey = randomBytes(32) as unknown as MasterKey;
const transportFor = () =>
  withoutBlobRefs(createFetchTransport({ baseUrl: http.url, accessToken: () => user.accessToken }));
/** Syncs until done; a dropped connection is retried at once, as the runner would after its backoff. */
const syncOrThrow = async (client: Awaited<ReturnType<typeof openHalyonClient>>) => {
  for (let attempt = 1; ; attempt++) {
    const result = await client.sync();
    if (result.ok) return result.value;
    const dropped = result.error.type === 'Transport' && result.error.error.type === 'NetworkFailure';
    if (!dropped || attempt >= 5) throw new Error(`sync failed: ${JSON.stringify(result.error)}`);
    console.log(`(retrying after ${JSON.stringify(result.error)})`);
  }
};

try {
  // Seed the server through another device of the account (not measured).
  const seedStart = performance.now();
  const seeder = await openHalyonClient({ store: await newStore(), transport: transportFor(), masterKey });
  const photoIds: string[] = [];
  for (let i = 0; i < PHOTOS; i += 10_000) {
    photoIds.push(
      ...(await seeder.library.addPhotos(
        Array.from({ length: Math.min(10_000, PHOTOS - i) }, (_, j) => photo(i + j)),
      )),
    );
  }
  for (let t = 0; t < TAGS; t++) {
    const tag = await seeder.library.createTag(`tag ${t}`);
    const per = Math.floor(PHOTO_TAG_LINKS / TAGS);
    await seeder.library.tagPhotos(tag, photoIds.slice(t * per, (t + 1) * per));
  }
  for (let a = 0; a < ALBUMS; a++) {
    const album = await seeder.library.createAlbum(`album ${a}`);
    const per = Math.floor(ALBUM_LINKS / ALBUMS);
    await seeder.library.addToAlbum(album, photoIds.slice(PHOTOS - (a + 1) * per, PHOTOS - a * per));
  }
  console.log(`seed: local writes ${seconds(performance.now() - seedStart)}`);
  await syncOrThrow(seeder);
  seeder.lock();
  await seeder.store.destroy(); // frees its copy of the 100,000 records before measuring
  console.log(
    `seeded the server in ${seconds(performance.now() - seedStart)} (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`,
  );

  // 1. Initial sync into an empty store.
  const initialNet: Bucket = { ms: 0 };
  const initialStore: Bucket = { ms: 0 };
  const store = await newStore();
  const initialStart = performance.now();
  const fresh = await openHalyonClient({
    store: timed(store, initialStore),
    transport: timed(transportFor(), initialNet),
    masterKey,
  });
  const initialReport = await syncOrThrow(fresh);
  const initialMs = performance.now() - initialStart;
  const timelinePhotos = fresh.library.queries.timeline().reduce((n, g) => n + g.photos.length, 0);
  fresh.lock();
  if (timelinePhotos !== PHOTOS) {
    throw new Error(`initial sync incomplete: pulled ${initialReport.pulled}, timeline ${timelinePhotos}`);
  }

  // 2. Warm start: the same store, a new client (decrypt everything, build the model, first timeline).
  const warmStore: Bucket = { ms: 0 };
  const warmStart = performance.now();
  const warm = await openHalyonClient({
    store: timed(store, warmStore),
    transport: transportFor(),
    masterKey,
  });
  const groups = warm.library.queries.timeline();
  const warmMs = performance.now() - warmStart;
  if (groups.reduce((n, g) => n + g.photos.length, 0) !== PHOTOS) throw new Error('warm start incomplete');

  // 3. 10,000 edits made offline (a favourite each), then one sync.
  const editIds = photoIds.slice(0, OFFLINE_EDITS);
  const editStart = performance.now();
  await warm.library.setFavourite(editIds, true);
  const editMs = performance.now() - editStart;
  const pushNet: Bucket = { ms: 0 };
  const pushStore: Bucket = { ms: 0 };
  const pusher = await openHalyonClient({
    store: timed(store, pushStore),
    transport: timed(transportFor(), pushNet),
    masterKey,
  });
  warm.lock();
  const pushStart = performance.now();
  const pushReport = await syncOrThrow(pusher);
  const pushMs = performance.now() - pushStart;
  if (pushReport.outboxLeft !== 0) throw new Error('offline push incomplete');
  pusher.lock();

  const row = (name: string, total: number, net: number, storeMs: number, target: number) =>
    `${name.padEnd(26)} ${seconds(total).padStart(9)}  net ${seconds(net).padStart(8)}  store ${seconds(storeMs).padStart(8)}  ` +
    `crypto+merge ${seconds(Math.max(0, total - net - storeMs)).padStart(8)}  target ${seconds(target)} ${total <= target ? 'ok' : 'MISSED'}`;
  console.log('');
  console.log(
    row(`initial sync (${RECORDS})`, initialMs, initialNet.ms, initialStore.ms, TARGETS.initial_sync_ms),
  );
  console.log(row(`warm start (${RECORDS})`, warmMs, 0, warmStore.ms, TARGETS.warm_start_ms));
  console.log(
    row(`offline push (${OFFLINE_EDITS})`, pushMs, pushNet.ms, pushStore.ms, TARGETS.offline_push_ms),
  );
  console.log(
    `(making the edits offline took ${seconds(editMs)}; local store: ${STORE === 'dexie' ? 'Dexie on fake-indexeddb' : 'memory'})`,
  );
  console.log(
    JSON.stringify({
      bench: 'sync-client',
      records: RECORDS,
      database: process.env.DATABASE_URL ? 'postgres' : 'pglite',
      store: STORE,
      initial_sync_ms: Math.round(initialMs),
      initial_sync_network_ms: Math.round(initialNet.ms),
      initial_sync_store_ms: Math.round(initialStore.ms),
      warm_start_ms: Math.round(warmMs),
      warm_start_store_ms: Math.round(warmStore.ms),
      offline_push_ms: Math.round(pushMs),
      offline_push_network_ms: Math.round(pushNet.ms),
      offline_edit_ms: Math.round(editMs),
      targets_ms: TARGETS,
    }),
  );
} finally {
  await http.stop(1000);
  await server.close();
}
