/**
 * The CLI's commands run in-process against the real server on a loopback port, with a temporary home directory.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unlockVaultWithPassword } from '../crypto';
import { openHalyonClient } from '../library/client';
import { testPhoto } from '../library/testing';
import { openMemoryStore } from '../store/test-store';
import { useRealServer } from '../testing/real-server';
import { createFetchTransport } from '../transport/fetch-transport';
import { login, register, status, sync } from './commands';
import { list, organise } from './library-commands';
import { readSession, storePath } from './session';
import type { CliIo } from './signed-in';

const real = useRealServer();
const homes: string[] = [];

afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

const PASSWORD = 'correct horse battery staple';

/** A CLI with its own home; `answers` are what the user types at the password prompts. */
const cli = async (answers: () => string = () => PASSWORD) => {
  const home = await mkdtemp(join(tmpdir(), 'halyon-cli-'));
  homes.push(home);
  const output: string[] = [];
  const errors: string[] = [];
  const io: CliIo = {
    home,
    print: (line) => output.push(line),
    printError: (line) => errors.push(line),
    promptPassword: async () => answers(),
  };
  return { io, output, errors };
};

// Each command derives the vault key (Argon2) once; a loaded machine makes that slow, not wrong.
describe('halyon CLI', { timeout: 180_000 }, () => {
  it('registers, syncs, and lists what another device of the account added, keeping only ciphertext on disk', async () => {
    const email = `cli-${Date.now()}@example.test`;
    const first = await cli();
    expect(await register(first.io, real.url, email)).toBe(0);
    expect(first.output.at(-1)).toBe(`logged in as ${email}`);
    expect(first.output[1]?.trim().split(' ')).toHaveLength(24);
    expect(await sync(first.io)).toBe(0);

    // Another device of the same account (the library API) adds a tagged photo.
    const session = (await readSession(first.io.home))!;
    const unlocked = await unlockVaultWithPassword(session.vault, PASSWORD, email);
    if (!unlocked.ok) throw new Error('vault does not open');
    const phone = await openHalyonClient({
      store: await openMemoryStore(),
      transport: withoutBlobRefs(
        createFetchTransport({ baseUrl: real.url, accessToken: () => session.accessToken }),
      ),
      masterKey: unlocked.value.vault.masterKey,
    });
    const photo = await phone.library.addPhoto(testPhoto({ fileName: 'kayak.jpg' }));
    const tag = await phone.library.createTag('Kayaking secret');
    await phone.library.tagPhotos(tag, [photo]);
    expect((await phone.sync()).ok).toBe(true);

    const second = await cli();
    expect(await login(second.io, real.url, email)).toBe(0);
    expect(await sync(second.io)).toBe(0);
    expect(second.output.at(-1)).toMatch(/^pushed 0, pulled 3, 0 change\(s\) waiting$/);
    second.output.length = 0;
    expect(await list(second.io, 'tags', { json: true })).toBe(0);
    expect(second.output).toEqual([JSON.stringify({ id: tag, name: 'Kayaking secret', photos: 1 })]);
    second.output.length = 0;
    expect(await list(second.io, 'photos')).toBe(0);
    expect(second.output).toEqual([`${photo}\t2024-06-01\tkayak.jpg`]);
    second.output.length = 0;
    expect(await list(second.io, 'photos', { tag: 'Kayaking secret', json: true })).toBe(0);
    expect(JSON.parse(second.output[0]!)).toMatchObject({ id: photo, fileName: 'kayak.jpg' });
    second.output.length = 0;
    expect(await list(second.io, 'photos', { album: 'No such album' })).toBe(1);
    expect(second.errors.at(-1)).toBe('error: no album named No such album');

    const onDisk = await readFile(storePath(second.io.home), 'utf8');
    expect(onDisk).not.toContain('Kayaking');
    expect(onDisk).not.toContain('kayak.jpg');
    expect(await readFile(join(second.io.home, 'session.json'), 'utf8')).not.toContain(PASSWORD);

    second.output.length = 0;
    expect(await status(second.io)).toBe(0);
    expect(second.output).toContain('records held: 3');
    expect(second.output).toContain('changes waiting to sync: 0');
    second.output.length = 0;
    expect(await status(second.io, { json: true })).toBe(0);
    expect(JSON.parse(second.output[0]!)).toMatchObject({
      loggedIn: true,
      account: email,
      records: 3,
      changesWaiting: 0,
    });
  });

  it('refuses a wrong password without touching the local store', async () => {
    const email = `cli-wrong-${Date.now()}@example.test`;
    let typed = PASSWORD;
    const device = await cli(() => typed);
    expect(await register(device.io, real.url, email)).toBe(0);
    typed = 'not the password at all';
    expect(await sync(device.io)).toBe(1);
    expect(device.errors.at(-1)).toBe('error: wrong password');
    expect(await login(device.io, real.url, email)).toBe(1);
    expect(device.errors.at(-1)).toBe('error: invalid_credentials');
  });
});

describe('halyon sessions', { timeout: 180_000 }, () => {
  it('refreshes an expired access token (saving the new pair), and asks for a new login once the server ends the session', async () => {
    const email = `cli-refresh-${Date.now()}@example.test`;
    const device = await cli();
    expect(await register(device.io, real.url, email)).toBe(0);
    const before = (await readSession(device.io.home))!;
    const later = { ...device.io, now: () => real.server.clock.now() };

    real.server.clock.advance(60 * 60 * 1000); // an hour: the access token is dead, the refresh token is not
    expect(await sync(later)).toBe(0);
    const after = (await readSession(device.io.home))!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.accessTokenExpiresAt).toBeGreaterThan(real.server.clock.now());

    real.server.clock.advance(31 * 24 * 60 * 60 * 1000); // past the refresh token's 30 days
    expect(await sync(later)).toBe(1);
    expect(device.errors.at(-1)).toBe('error: the session has expired; log in again');
  });
});

describe('halyon tag and album', { timeout: 180_000 }, () => {
  it('creates, fills and empties albums and tags by name, and another device sees them', async () => {
    const email = `cli-organise-${Date.now()}@example.test`;
    const laptop = await cli();
    expect(await register(laptop.io, real.url, email)).toBe(0);
    const session = (await readSession(laptop.io.home))!;
    const unlocked = await unlockVaultWithPassword(session.vault, PASSWORD, email);
    if (!unlocked.ok) throw new Error('vault does not open');
    const phone = await openHalyonClient({
      store: await openMemoryStore(),
      transport: withoutBlobRefs(
        createFetchTransport({ baseUrl: real.url, accessToken: () => session.accessToken }),
      ),
      masterKey: unlocked.value.vault.masterKey,
    });
    const [first, second] = await phone.library.addPhotos([testPhoto(), testPhoto()]);
    expect((await phone.sync()).ok).toBe(true);

    const ids = async (options: Parameters<typeof list>[2]) => {
      laptop.output.length = 0;
      expect(await list(laptop.io, 'photos', { ...options, json: true })).toBe(0);
      return laptop.output.map((line) => (JSON.parse(line) as { id: string }).id).sort();
    };
    laptop.output.length = 0;
    expect(await organise(laptop.io, 'album', 'create', 'Road trip', [])).toBe(0);
    const albumId = laptop.output[0];
    expect(await organise(laptop.io, 'album', 'create', 'Road trip', [])).toBe(1);
    expect(laptop.errors.at(-1)).toBe(`error: the album Road trip exists already: ${albumId}`);
    expect(await organise(laptop.io, 'album', 'add', 'Road trip', [first!, second!])).toBe(0);
    expect(await ids({ album: 'Road trip' })).toEqual([first, second].sort());
    expect(await organise(laptop.io, 'album', 'remove', albumId!, [first!])).toBe(0);
    expect(await ids({ album: 'Road trip' })).toEqual([second]);

    expect(await organise(laptop.io, 'tag', 'add', 'Nope', [first!])).toBe(1);
    expect(laptop.errors.at(-1)).toBe('error: no tag named Nope');
    expect(await organise(laptop.io, 'tag', 'create', 'Sunsets', [])).toBe(0);
    expect(await organise(laptop.io, 'tag', 'add', 'Sunsets', [first!, 'no-such-photo'])).toBe(1);
    expect(laptop.errors.at(-1)).toBe('error: no photo with id no-such-photo');
    expect(await organise(laptop.io, 'tag', 'add', 'Sunsets', [first!])).toBe(0);
    expect(await ids({ tag: 'Sunsets' })).toEqual([first]);

    expect((await phone.sync()).ok).toBe(true);
    expect(phone.library.queries.albums().map((a) => [a.name, a.photoCount])).toEqual([['Road trip', 1]]);
    expect(phone.library.queries.tags().map((t) => [t.name, t.photoCount])).toEqual([['Sunsets', 1]]);
  });
});

/** The server refuses blob references until the blobs feature is mounted; see library/real-server.test.ts. */
const withoutBlobRefs = (
  inner: ReturnType<typeof createFetchTransport>,
): ReturnType<typeof createFetchTransport> => ({
  ...inner,
  push: (request) =>
    inner.push({ ops: request.ops.map((op) => ('ciphertext' in op ? { ...op, blobIds: [] } : op)) }),
});
