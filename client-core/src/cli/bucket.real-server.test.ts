/**
 * `halyon bucket` against the real server (in-process, loopback) with an s3rver standing in for the user's own
 * bucket: the server's test write refuses a wrong secret, takes the right one, and the photos `halyon upload` sends
 * afterwards land in that bucket.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnFreePort, type RunningS3rver, startS3rver, startTestServer } from '@halyon/server';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlockVaultWithPassword } from '../crypto';
import { openHalyonClient } from '../library/client';
import { openMemoryStore } from '../store/test-store';
import { createFetchTransport } from '../transport/fetch-transport';
import { createFetchBlobApi } from '../upload/blob-api';
import { bucket } from './bucket';
import { register } from './commands';
import { readSession } from './session';
import type { CliIo } from './signed-in';
import { upload } from './upload';

let mine: RunningS3rver;
let server: Awaited<ReturnType<typeof startTestServer>>;
let http: Awaited<ReturnType<typeof listenOnFreePort>>;
let scratch: string;

beforeAll(async () => {
  mine = await startS3rver('mine');
  server = await startTestServer({
    env: {
      BLOB_STORAGE_KEY: randomBytes(32).toString('base64'),
      BLOB_ALLOW_PRIVATE_BUCKET_ENDPOINTS: 'true',
    },
  });
  http = await listenOnFreePort(server.app);
  scratch = await mkdtemp(join(tmpdir(), 'halyon-cli-bucket-'));
});
afterAll(async () => {
  await http?.stop(1000);
  await server?.close();
  await mine?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const PASSWORD = 'correct horse battery staple';

describe('halyon bucket', { timeout: 180_000 }, () => {
  it('keeps new photos in the user’s own bucket once its test write passes, and goes back on remove', async () => {
    const output: string[] = [];
    const errors: string[] = [];
    const secret = mine.credentials.secretAccessKey;
    const io: CliIo = {
      home: await mkdtemp(join(scratch, 'home-')),
      print: (line) => output.push(line),
      printError: (line) => errors.push(line),
      promptPassword: async (question) => (question.startsWith('Secret') ? secret : PASSWORD),
    };
    const email = `cli-bucket-${randomBytes(6).toString('hex')}@example.test`;
    expect(await register(io, http.url, email)).toBe(0);

    expect(await bucket(io, 'show')).toBe(0);
    expect(output.at(-1)).toBe('new photos go to the server’s storage');

    const options = {
      endpoint: mine.endpoint,
      region: mine.region,
      bucket: mine.bucket,
      prefix: 'photos/',
      pathStyle: true,
      accessKeyId: mine.credentials.accessKeyId,
    };
    expect(await bucket(io, 'set', { ...options, accessKeyId: undefined })).toBe(1);
    expect(errors.at(-1)).toMatch(/^error: name --region, --bucket and --access-key-id/);
    // s3rver takes any secret; a bucket it does not have fails the test write all the same.
    expect(await bucket(io, 'set', { ...options, bucket: 'not-there' })).toBe(1);
    expect(errors.at(-1)).toMatch(/^error: the bucket was not taken: \S/);
    expect(await bucket(io, 'show')).toBe(0);
    expect(output.at(-1)).toBe('new photos go to the server’s storage');

    expect(await bucket(io, 'set', options)).toBe(0);
    expect(output.at(-1)).toMatch(
      new RegExp(`^new photos go to your bucket mine \\(keys under photos/\\) at ${mine.endpoint}, checked `),
    );
    expect(JSON.stringify(await readSession(io.home))).not.toContain(secret);

    const jpeg = await sharp(randomBytes(64 * 48 * 3), { raw: { width: 64, height: 48, channels: 3 } })
      .jpeg()
      .toBuffer();
    const path = join(scratch, `pier-${randomBytes(3).toString('hex')}.jpg`);
    await writeFile(path, jpeg);
    expect(await upload(io, [path])).toBe(0);

    // The original is in the user's bucket: a Node client is sent there to read it.
    const session = (await readSession(io.home))!;
    const unlocked = await unlockVaultWithPassword(session.vault, PASSWORD, email);
    if (!unlocked.ok) throw new Error('vault does not open');
    const laptop = await openHalyonClient({
      store: await openMemoryStore(),
      transport: createFetchTransport({ baseUrl: http.url, accessToken: () => session.accessToken }),
      masterKey: unlocked.value.vault.masterKey,
    });
    expect((await laptop.sync()).ok).toBe(true);
    const [photo] = laptop.library.queries.timeline().flatMap((d) => d.photos);
    const api = createFetchBlobApi({ baseUrl: http.url, accessToken: () => session.accessToken });
    const target = await api.downloadTarget(photo!.blobs.original);
    expect(target.ok && target.value.kind === 'presigned-get' && target.value.url).toMatch(
      new RegExp(`^${mine.endpoint}/mine/photos/`),
    );

    expect(await bucket(io, 'remove')).toBe(0);
    expect(await bucket(io, 'show')).toBe(0);
    expect(output.at(-1)).toBe('new photos go to the server’s storage');
  });
});
