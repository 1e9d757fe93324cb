import { describe, expect, it } from 'vitest';
import { type BlobKey, bytesToBase64, encryptBlobBytes, generateBlobKey } from '../crypto';
import { BLOB_DEFAULT_CHUNK_BYTES } from '../crypto/formats';
import { ok } from '../result';
import type { BlobApi } from '../upload/blob-api';
import { type DownloadablePhoto, downloadZip } from './download';

const MIB = 1024 * 1024;
const PIECE = 64 * 1024;

/** Stored ciphertexts served piece by piece as they are pulled, counting what each blob gave out. */
const fakeBlobStore = () => {
  const blobs = new Map<string, Uint8Array>();
  const served = new Map<string, number>();
  const api = {
    downloadTarget: async (id: string) => ok({ kind: 'server' as const, path: `/${id}`, size: 0 }),
    openDownload: async (target: { path: string }) => {
      const id = target.path.slice(1);
      const bytes = blobs.get(id)!;
      served.set(id, 0);
      let offset = 0;
      return ok(
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              if (offset >= bytes.length) return controller.close();
              const piece = bytes.slice(offset, offset + PIECE);
              offset += piece.length;
              served.set(id, offset);
              controller.enqueue(piece);
            },
          },
          { highWaterMark: 0 },
        ),
      );
    },
  } as unknown as BlobApi;
  const add = async (id: string, plaintext: Uint8Array, fileName: string): Promise<DownloadablePhoto> => {
    const key = generateBlobKey();
    blobs.set(id, await encryptBlobBytes(key as BlobKey, plaintext));
    return {
      blobs: { original: id, thumbnail: null, preview: null },
      fileKey: bytesToBase64(key),
      fileName,
      mime: 'image/jpeg',
      size: plaintext.length,
      takenAt: Date.UTC(2024, 0, 1),
    };
  };
  return { api, blobs, served, add };
};

const photoBytes = (size: number, seed: number) => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * seed) & 0xff;
  return bytes;
};

describe('a selection as a zip', () => {
  it('pulls one original at a time, only as fast as the zip is read', async () => {
    const store = fakeBlobStore();
    const originals = [photoBytes(8 * MIB, 7), photoBytes(3 * MIB, 11), photoBytes(3 * MIB, 13)];
    const ids = [
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    ];
    const photos = await Promise.all(originals.map((bytes, i) => store.add(ids[i]!, bytes, 'IMG.JPG')));
    const filesStarted: number[] = [];
    const reader = downloadZip({ api: store.api }, photos, undefined, (n) =>
      filesStarted.push(n),
    ).getReader();

    let read = 0;
    const parts: Uint8Array[] = [];
    while (read < 256 * 1024) {
      const { value } = await reader.read();
      parts.push(value!);
      read += value!.length;
    }
    // A quarter MiB out: of the first original (8 MiB), a few 1 MiB decryption chunks are read ahead, and
    // no more; the others are not open at all.
    expect([...store.served.keys()]).toEqual([ids[0]]);
    expect(store.served.get(ids[0]!)).toBeLessThanOrEqual(3 * BLOB_DEFAULT_CHUNK_BYTES);
    expect(filesStarted).toEqual([0]);

    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
    const zip = Buffer.concat(parts);
    expect(filesStarted).toEqual([0, 1, 2, 3]);
    for (const original of originals) expect(zip.indexOf(Buffer.from(original))).toBeGreaterThan(0);
    for (const name of ['IMG.JPG', 'IMG (2).JPG', 'IMG (3).JPG']) expect(zip.includes(name)).toBe(true);
  });

  it('errors the zip when an original does not decrypt, instead of leaving it out', async () => {
    const store = fakeBlobStore();
    const id = '00000000-0000-4000-8000-000000000009';
    const photo = await store.add(id, photoBytes(200_000, 3), 'a.jpg');
    const stored = store.blobs.get(id)!;
    stored[100] = stored[100]! ^ 1;
    await expect(new Response(downloadZip({ api: store.api }, [photo])).arrayBuffer()).rejects.toThrow();
  });
});
