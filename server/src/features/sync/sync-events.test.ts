/**
 * The live event stream over real sockets: in one process on either database, and across two server processes
 * sharing one PostgreSQL (LISTEN/NOTIFY), which needs DATABASE_URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../http/serve';
import { createScratchPostgres, type ScratchPostgres } from '../../test/test-database';
import {
  listenOnFreePort,
  newRegisterRequest,
  registerTestUser,
  startTestServer,
  type TestServer,
} from '../../test/test-server';
import { putOp, syncClient, userWithCollection } from './sync.test-helpers';

interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads a text/event-stream response event by event (comments skipped). */
function eventReader(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<SseEvent> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n').filter((line) => !line.startsWith(':'));
          if (lines.length === 0) continue;
          const field = (name: string) =>
            lines
              .find((l) => l.startsWith(`${name}:`))
              ?.slice(name.length + 1)
              .trim() ?? '';
          return { event: field('event'), data: JSON.parse(field('data')) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('event stream ended');
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

function openEvents(baseUrl: string, token: string, signal: AbortSignal) {
  return fetch(`${baseUrl}/v1/sync/events`, { headers: { Authorization: `Bearer ${token}` }, signal });
}

async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('event stream in one process', () => {
  let server: TestServer;
  let http: RunningServer;
  beforeAll(async () => {
    server = await startTestServer();
    http = await listenOnFreePort(server.app);
  });
  afterAll(async () => {
    await http?.stop(1_000);
    await server?.close();
  });

  it('sends ready, then pokes for the caller’s collections only, then cleans up on disconnect', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const stranger = await userWithCollection(server);
    const abort = new AbortController();
    const response = await openEvents(http.url, client.user.accessToken, abort.signal);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = eventReader(response);

    expect(await events.next()).toEqual({ event: 'ready', data: { epoch: server.deps.meta.epoch } });
    await stranger.client.push([putOp(stranger.collectionId, randomUUID(), 0)]);
    await client.push([putOp(collectionId, randomUUID(), 0), putOp(collectionId, randomUUID(), 0)]);
    expect(await events.next()).toEqual({ event: 'poke', data: { collectionId, seq: 2 } });

    abort.abort();
    await eventually(() => server.deps.pokes.size === 0);
    expect(server.deps.pokes.size).toBe(0);
  });

  it('tells the stream when the caller’s memberships change, and pokes the new collection from then on', async () => {
    const client = syncClient(server, await registerTestUser(server));
    const abort = new AbortController();
    const events = eventReader(await openEvents(http.url, client.user.accessToken, abort.signal));
    expect((await events.next()).event).toBe('ready');

    const collectionId = randomUUID();
    await client.createCollection(collectionId);
    expect(await events.next()).toEqual({ event: 'collections', data: { cursor: 1 } });
    await client.push([putOp(collectionId, randomUUID(), 0)]);
    expect(await events.next()).toEqual({ event: 'poke', data: { collectionId, seq: 1 } });
    abort.abort();
  });

  it('ends open streams when the hub stops (server shutdown)', async () => {
    const own = await startTestServer();
    const ownHttp = await listenOnFreePort(own.app);
    const user = await registerTestUser(own);
    const events = eventReader(await openEvents(ownHttp.url, user.accessToken, new AbortController().signal));
    expect((await events.next()).event).toBe('ready');
    await own.deps.pokes.stop();
    await expect(events.next()).rejects.toThrow('event stream ended');
    await ownHttp.stop(1_000);
    await own.close();
  });
});

const SERVER_MAIN = fileURLToPath(new URL('../../main.ts', import.meta.url));

/** Starts `src/main.ts` as its own process on the database, resolving with its URL once it listens. */
function spawnServer(databaseUrl: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SCRYPT_LOG_N: '10',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk) => {
      err += chunk;
    });
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      for (const line of out.split('\n')) {
        if (!line.includes('"listening"')) continue;
        const { url } = JSON.parse(line) as { url: string };
        resolve({ url, process: child });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe.skipIf(!process.env.DATABASE_URL)(
  'two server processes on one PostgreSQL (needs DATABASE_URL: embedded PGlite is one process by design)',
  () => {
    let scratch: ScratchPostgres;
    const servers: ChildProcess[] = [];
    beforeAll(async () => {
      scratch = (await createScratchPostgres())!;
    });
    afterAll(async () => {
      for (const child of servers) await stopServer(child);
      await scratch?.drop();
    });

    it('pokes an event-stream subscriber of one process when a push lands on the other', async () => {
      // Sequential starts: both would otherwise race to migrate (the migrator is safe, but slower that way).
      const first = await spawnServer(scratch.url);
      servers.push(first.process);
      const second = await spawnServer(scratch.url);
      servers.push(second.process);

      const registration = newRegisterRequest();
      const post = (base: string, path: string, body: unknown, token?: string) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(body),
        });
      expect((await post(first.url, '/v1/auth/register', registration)).status).toBe(201);
      const login = (await (
        await post(second.url, '/v1/auth/login', { email: registration.email, authKey: registration.authKey })
      ).json()) as { accessToken: string };
      const collectionId = randomUUID();
      await post(first.url, '/v1/collections', { id: collectionId, encryptedKey: 'AAAA' }, login.accessToken);

      const abort = new AbortController();
      const events = eventReader(await openEvents(second.url, login.accessToken, abort.signal));
      expect((await events.next()).event).toBe('ready');
      const pushed = await post(
        first.url,
        '/v1/sync/push',
        { ops: [putOp(collectionId, randomUUID(), 0)] },
        login.accessToken,
      );
      expect(pushed.status).toBe(200);
      expect(await events.next()).toEqual({ event: 'poke', data: { collectionId, seq: 1 } });
      abort.abort();
    });
  },
);
