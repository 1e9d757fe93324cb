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
    const abandoned = join(dir, 'ab', '.partial-abandoned');
    await writeFile(stale, 'partial');
    await writeFile(fresh, 'partial');
    await writeFile(abandoned, 'partial');
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(stale, anHourAgo, anHourAgo);
    await utimes(abandoned, anHourAgo, anHourAgo);

    expect(await store.removeStaleTemporaryFiles(new Date(Date.now() - 600_000))).toBe(2);
    expect((await filesUnder(dir)).sort()).toEqual(['ab/.tmp-in-progress-2', 'ab/kept']);
    expect((await stat(join(dir, 'ab', 'kept'))).size).toBe(10);
  });

  it('assembles a resumable upload from pieces, showing the blob only once the last piece is in', async () => {
    const store = createFilesystemBlobStore(dir);
    const bytes = randomBytes(300_000);
    const first = await store.append(
      'ab/r1',
      { offset: 0, length: 100_000, size: bytes.length },
      chunksOf(bytes.subarray(0, 100_000)),
    );
    expect(first).toEqual({ ok: true, value: { complete: false } });
    expect(await store.stat('ab/r1')).toBeNull();
    expect(await store.uploadedBytes('ab/r1')).toBe(100_000);

    const last = await store.append(
      'ab/r1',
      { offset: 100_000, length: 200_000, size: bytes.length },
      chunksOf(bytes.subarray(100_000)),
    );
    expect(last).toEqual({ ok: true, value: { complete: true } });
    expect((await readAll((await store.read('ab/r1'))!.body)).equals(bytes)).toBe(true);
    expect(await store.uploadedBytes('ab/r1')).toBe(0);
    expect(await filesUnder(dir)).toEqual(['ab/r1']);
  });

  it('keeps what arrived of a piece cut off mid-way, so the upload resumes from there', async () => {
    const store = createFilesystemBlobStore(dir);
    const bytes = randomBytes(256 * 1024);
    const cut = await store.append(
      'ab/r2',
      { offset: 0, length: bytes.length, size: bytes.length },
      droppedAfter(bytes, 128 * 1024),
    );
    expect(cut.ok).toBe(false);
    expect(await store.stat('ab/r2')).toBeNull();
    const held = await store.uploadedBytes('ab/r2');
    expect(held).toBe(128 * 1024);

    const wrongOffset = await store.append(
      'ab/r2',
      { offset: 1000, length: bytes.length - 1000, size: bytes.length },
      chunksOf(bytes.subarray(1000)),
    );
    expect(wrongOffset).toEqual({ ok: false, error: { type: 'OffsetMismatch', uploadedBytes: held } });

    const rest = await store.append(
      'ab/r2',
      { offset: held, length: bytes.length - held, size: bytes.length },
      chunksOf(bytes.subarray(held)),
    );
    expect(rest).toEqual({ ok: true, value: { complete: true } });
    expect((await readAll((await store.read('ab/r2'))!.body)).equals(bytes)).toBe(true);
  });

  it('drops an unfinished upload on delete, and on a fresh start at offset 0', async () => {
    const store = createFilesystemBlobStore(dir);
    await store.append('ab/r3', { offset: 0, length: 10, size: 100 }, chunksOf(randomBytes(10)));
    await store.delete('ab/r3');
    expect(await store.uploadedBytes('ab/r3')).toBe(0);
    await store.append('ab/r3', { offset: 0, length: 10, size: 100 }, chunksOf(randomBytes(10)));
    await store.append('ab/r3', { offset: 0, length: 5, size: 100 }, chunksOf(randomBytes(5)));
    expect(await store.uploadedBytes('ab/r3')).toBe(5);
  });
});
