import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunksOf, describeBlobStoreContract, droppedAfter, readAll } from './blob-store.contract';
import { createFilesystemBlobStore } from './filesystem-store';

describeBlobStoreContract('filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'halyon-fs-store-'));
  return { store: createFilesystemBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('filesystem blob store files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'halyon-fs-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function filesUnder(path: string): Promise<string[]> {
    return (await readdir(path, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(path.length + 1));
  }

  it('shows no file under the final name while a write is still streaming', async () => {
    const store = createFilesystemBlobStore(dir);
    const bytes = randomBytes(256 * 1024);
    let releaseSecondHalf!: () => void;
    const secondHalf = new Promise<void>((resolve) => {
      releaseSecondHalf = resolve;
    });
    let firstHalfSent!: () => void;
    const firstHalfWasSent = new Promise<void>((resolve) => {
      firstHalfSent = resolve;
    });
    async function* slowBody(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 128 * 1024);
      firstHalfSent();
      await secondHalf;
      yield bytes.subarray(128 * 1024);
    }
    const writing = store.put('ab/blob-1', slowBody(), bytes.length);
    await firstHalfWasSent;
    expect(await store.stat('ab/blob-1')).toBeNull();
    expect(await store.read('ab/blob-1')).toBeNull();
    releaseSecondHalf();
    expect((await writing).ok).toBe(true);
    expect(await filesUnder(dir)).toEqual(['ab/blob-1']);
  });

  // Real S3 also keeps the old object (a PUT is atomic), but s3rver truncates it in place, so this one is not in the
  // shared contract.
  it('keeps the previous blob when an overwrite fails', async () => {
    const store = createFilesystemBlobStore(dir);
    const first = randomBytes(10_000);
    await store.put('ab/blob-4', chunksOf(first), first.length);
    await store.put('ab/blob-4', droppedAfter(randomBytes(10_000), 5_000), 10_000);
    expect((await readAll((await store.read('ab/blob-4'))!.body)).equals(first)).toBe(true);
  });

  it('leaves no temporary file behind after a failed write', async () => {
    const store = createFilesystemBlobStore(dir);
    await store.put('ab/blob-2', droppedAfter(randomBytes(100_000), 50_000), 100_000);
    await store.put('ab/blob-3', chunksOf(randomBytes(100)), 99);
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('sweeps temporary files left by a crash, but not recent ones or blobs', async () => {
    const store = createFilesystemBlobStore(dir);
    await store.put('ab/kept', chunksOf(randomBytes(10)), 10);
    const stale = join(dir, 'ab', '.tmp-crashed-1');
    const fresh = join(dir, 'ab', '.tmp-in-progress-2');
    await writeFile(stale, 'partial');
    await writeFile(fresh, 'partial');
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(stale, anHourAgo, anHourAgo);

    expect(await store.removeStaleTemporaryFiles(new Date(Date.now() - 600_000))).toBe(1);
    expect((await filesUnder(dir)).sort()).toEqual(['ab/.tmp-in-progress-2', 'ab/kept']);
    expect((await stat(join(dir, 'ab', 'kept'))).size).toBe(10);
  });
});
