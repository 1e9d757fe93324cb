/**
 * @module The behaviour every BlobStore must have, as one suite run against each implementation
 * (filesystem-store.test.ts, s3-store.test.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store';

export type StoreFixture = { readonly store: BlobStore; cleanup(): Promise<void> };

export async function* chunksOf(bytes: Uint8Array, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    yield bytes.subarray(offset, Math.min(bytes.length, offset + chunkSize));
  }
}

/** Yields the first `failAfter` bytes, then fails like a sender whose connection dropped. */
export async function* droppedAfter(bytes: Uint8Array, failAfter: number): AsyncGenerator<Uint8Array> {
  yield* chunksOf(bytes.subarray(0, failAfter));
  throw new Error('connection reset by peer');
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

export function describeBlobStoreContract(name: string, setup: () => Promise<StoreFixture>): void {
  describe(`${name} blob store`, () => {
    let fixture: StoreFixture;
    let store: BlobStore;
    const newKey = (): string => `blobs/${randomUUID()}`;

    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    it('stores a streamed body and reads back the same bytes', async () => {
      const key = newKey();
      const bytes = randomBytes(1024 * 1024 + 17);
      expect(await store.put(key, chunksOf(bytes), bytes.length)).toEqual({ ok: true, value: undefined });
      expect(await store.stat(key)).toEqual({ size: bytes.length });
      const read = await store.read(key);
      expect(read?.size).toBe(bytes.length);
      expect((await readAll(read!.body)).equals(bytes)).toBe(true);
    });

    it('stores an empty blob', async () => {
      const key = newKey();
      expect((await store.put(key, chunksOf(new Uint8Array(0)), 0)).ok).toBe(true);
      expect(await store.stat(key)).toEqual({ size: 0 });
    });

    it('reads a byte range', async () => {
      const key = newKey();
      const bytes = randomBytes(300_000);
      await store.put(key, chunksOf(bytes), bytes.length);
      const read = await store.read(key, { start: 1000, end: 200_000 });
      expect(read?.size).toBe(bytes.length);
      expect(read?.range).toEqual({ start: 1000, end: 200_000 });
      expect((await readAll(read!.body)).equals(bytes.subarray(1000, 200_000))).toBe(true);
    });

    it('reports a missing object as null', async () => {
      expect(await store.stat(newKey())).toBeNull();
      expect(await store.read(newKey())).toBeNull();
    });

    it('refuses a body longer than declared and stores nothing', async () => {
      const key = newKey();
      const bytes = randomBytes(200_000);
      const result = await store.put(key, chunksOf(bytes), 100_000);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.type).toBe('SizeMismatch');
      expect(await store.stat(key)).toBeNull();
    });

    it('refuses a body shorter than declared and stores nothing', async () => {
      const key = newKey();
      const bytes = randomBytes(50_000);
      const result = await store.put(key, chunksOf(bytes), 100_000);
      expect(result).toEqual({
        ok: false,
        error: { type: 'SizeMismatch', expectedBytes: 100_000, receivedBytes: 50_000 },
      });
      expect(await store.stat(key)).toBeNull();
    });

    it('leaves nothing visible when the sender dies mid-body, and a retry then stores the blob', async () => {
      const key = newKey();
      const bytes = randomBytes(512 * 1024);
      const dropped = await store.put(key, droppedAfter(bytes, 256 * 1024), bytes.length);
      expect(dropped.ok).toBe(false);
      expect(await store.stat(key)).toBeNull();

      expect((await store.put(key, chunksOf(bytes), bytes.length)).ok).toBe(true);
      expect((await readAll((await store.read(key))!.body)).equals(bytes)).toBe(true);
    });

    it('deletes an object, and deleting a missing one is not an error', async () => {
      const key = newKey();
      await store.put(key, chunksOf(randomBytes(10)), 10);
      await store.delete(key);
      expect(await store.stat(key)).toBeNull();
      await expect(store.delete(key)).resolves.toBeUndefined();
    });

    it('refuses keys that could escape the store', async () => {
      await expect(store.stat('../etc/passwd')).rejects.toThrow(/invalid blob key/);
      await expect(store.stat('blobs/../../x')).rejects.toThrow(/invalid blob key/);
    });
  });
}
