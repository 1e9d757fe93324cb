/**
 * Two and three devices of one account against the real server (in-process, on a free loopback port), with real
 * record encryption, the fetch transport and the SSE event stream.
 */
import { randomBytes } from 'node:crypto';
import { listenOnFreePort, registerTestUser, startTestServer } from '@halyon/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MasterKey } from '../crypto';
import { openMemoryStore } from '../store/test-store';
import { abortableSleep, createSyncRunner } from '../sync/runner';
import { createHostileTransport, flipBit } from '../sync/testing/hostile-transport';
import type { Transport } from '../sync/transport';
import { createFetchTransport } from '../transport/fetch-transport';
import { type HalyonClient, openHalyonClient } from './client';
import { testPhoto } from './testing';

let server: Awaited<ReturnType<typeof startTestServer>>;
let http: Awaited<ReturnType<typeof listenOnFreePort>>;
let baseUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  http = await listenOnFreePort(server.app);
  baseUrl = http.url;
});

afterAll(async () => {
  await http?.stop(1000);
  await server?.close();
});

/**
 * The server refuses blob references until the blobs feature is mounted (refuseBlobRefs). Until then these tests
 * send photo records without them; the test below checks that such a refusal parks the photo, never drops it.
 */
const withoutBlobRefs = (inner: Transport): Transport => ({
  ...inner,
  push: (request) =>
    inner.push({ ops: request.ops.map((op) => ('ciphertext' in op ? { ...op, blobIds: [] } : op)) }),
});

/** A new account and `count` devices signed in to it, each with its own store. */
const account = async (count: number, wrap: (t: Transport) => Transport = withoutBlobRefs) => {
  const user = await registerTestUser(server);
  const masterKey = randomBytes(32) as unknown as MasterKey;
  const devices: HalyonClient[] = [];
  for (let i = 0; i < count; i++) {
    const transport = createFetchTransport({ baseUrl, accessToken: () => user.accessToken });
    devices.push(
      await openHalyonClient({ store: await openMemoryStore(), transport: wrap(transport), masterKey }),
    );
  }
  const syncOrThrow = async (device: HalyonClient) => {
    const result = await device.sync();
    if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.error)}`);
    return result.value;
  };
  const settle = async () => {
    for (let round = 0; round < 2; round++) for (const d of devices) await syncOrThrow(d);
  };
  return { user, devices, syncOrThrow, settle };
};

describe('client-core against the real server', () => {
  it('syncs photos, tags and albums between two devices, merging concurrent edits', async () => {
    const { devices, settle } = await account(2);
    const [phone, laptop] = devices as [HalyonClient, HalyonClient];
    const a = await phone.library.addPhoto(testPhoto({ fileName: 'a.jpg' }));
    const b = await phone.library.addPhoto(testPhoto({ fileName: 'b.jpg' }));
    const tag = await phone.library.createTag('Trip');
    await phone.library.tagPhotos(tag, [a, b]);
    const album = await phone.library.createAlbum('Best of');
    await phone.library.addToAlbum(album, [b, a]);
    await settle();
    expect(
      laptop.library.queries
        .byTag(tag)
        .map((p) => p.fileName)
        .sort(),
    ).toEqual(['a.jpg', 'b.jpg']);
    expect(laptop.library.queries.byAlbum(album).map((p) => p.id)).toEqual([b, a]);

    await phone.library.setCaption(a, 'at the lake');
    await laptop.library.setFavourite([a], true);
    await settle();
    for (const d of devices) {
      expect(d.library.queries.photo(a)).toMatchObject({ caption: 'at the lake', favourite: true });
    }
  });

  it('converges three devices that edit the same things offline', async () => {
    const { devices, settle } = await account(3);
    const [one, two, three] = devices as [HalyonClient, HalyonClient, HalyonClient];
    const photo = await one.library.addPhoto(testPhoto());
    const other = await one.library.addPhoto(testPhoto());
    const tag = await one.library.createTag('Shared');
    const album = await one.library.createAlbum('Album');
    await settle();
    await one.library.tagPhotos(tag, [photo]);
    await two.library.tagPhotos(tag, [photo]);
    await three.library.renameTag(tag, 'Renamed');
    await two.library.addToAlbum(album, [photo]);
    await three.library.addToAlbum(album, [other]);
    await one.library.trash([other]);
    await two.library.setCaption(other, 'caption made while trashed elsewhere');
    await settle();
    const views = devices.map((d) => ({
      tags: d.library.queries.tags(),
      album: d.library.queries.byAlbum(album).map((p) => p.id),
      trash: d.library.queries.trash().map((p) => [p.id, p.caption]),
    }));
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    expect(views[0]?.tags).toEqual([{ id: tag, name: 'Renamed', color: null, photoCount: 1 }]);
    expect(views[0]?.album).toEqual([photo]);
    expect(views[0]?.trash).toEqual([[other, 'caption made while trashed elsewhere']]);
  });

  it('pulls automatically when the server pokes over the event stream', async () => {
    const { user, devices, syncOrThrow } = await account(2);
    const [phone, laptop] = devices as [HalyonClient, HalyonClient];
    const runner = createSyncRunner({
      engine: { syncOnce: () => laptop.sync() },
      transport: createFetchTransport({ baseUrl, accessToken: () => user.accessToken }),
      network: { isOnline: () => true, onChange: () => () => {} },
      sleep: abortableSleep,
      random: Math.random,
      // Polls far apart: only a poke can explain a prompt pull.
      pollMs: 600_000,
      livePollMs: 600_000,
    });
    const done = runner.start();
    await vi.waitFor(() => expect(runner.status()).toMatchObject({ state: 'idle', live: true }), {
      timeout: 10_000,
    });
    const photo = await phone.library.addPhoto(testPhoto({ fileName: 'poked.jpg' }));
    await syncOrThrow(phone);
    await vi.waitFor(() => expect(laptop.library.queries.photo(photo)?.fileName).toBe('poked.jpg'), {
      timeout: 10_000,
    });
    runner.stop();
    await done;
  });

  it('refuses a record the server tampered with, and shows it once the honest copy arrives', async () => {
    let tamper = false;
    const { devices, syncOrThrow } = await account(2, (inner) =>
      createHostileTransport(withoutBlobRefs(inner), {
        pull: (answer) =>
          tamper
            ? {
                ...answer,
                changes: answer.changes.map((r) =>
                  r.ciphertext ? { ...r, ciphertext: flipBit(r.ciphertext) } : r,
                ),
              }
            : answer,
      }),
    );
    const [phone, laptop] = devices as [HalyonClient, HalyonClient];
    const photo = await phone.library.addPhoto(testPhoto({ fileName: 'secret.jpg' }));
    await syncOrThrow(phone);
    tamper = true;
    const refused = await laptop.sync();
    expect(refused.ok ? null : refused.error).toMatchObject({ type: 'RecordsRefused' });
    expect(laptop.library.queries.photo(photo)).toBeUndefined();
    tamper = false;
    await syncOrThrow(laptop);
    expect(laptop.library.queries.photo(photo)?.fileName).toBe('secret.jpg');
  });

  it('keeps a photo the server refuses (unknown blobs) parked in the outbox, never dropped', async () => {
    const { devices, syncOrThrow } = await account(1, (t) => t);
    const [phone] = devices as [HalyonClient];
    const photo = await phone.library.addPhoto(testPhoto());
    const parked: string[] = [];
    phone.engine.subscribe((event) => {
      if (event.type === 'opParked') parked.push(event.code);
    });
    const report = await syncOrThrow(phone);
    expect(parked).toEqual(['blob_not_found']);
    expect(report.outboxLeft).toBe(1);
    expect(phone.library.queries.photo(photo)).toBeDefined();
  });
});
