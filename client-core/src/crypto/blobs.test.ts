import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webCryptoAesGcm } from './aes-gcm';
import {
  ChunkBuffers,
  decryptBlob,
  decryptBlobBytes,
  encryptBlob,
  encryptBlobBytes,
  generateBlobKey,
  generateBlobNoncePrefix,
  toReadableStream,
} from './blobs';
import { BlobDecryptError } from './errors';
import {
  BLOB_HEADER_BYTES,
  BLOB_PREAMBLE_BYTES,
  blobChunkNonce,
  blobCiphertextLength,
  decodeBlobHeaderPrefix,
  GCM_TAG_BYTES,
} from './formats';

const CHUNK = 4096;
const key = generateBlobKey();
const patterned = (length: number, seed = 0) =>
  Uint8Array.from({ length }, (_, i) => (i * 131 + seed) & 0xff);
const decryptFailed = { ok: false, error: { type: 'DecryptFailed' } };

/** Splits a CHUNK-sized blob's ciphertext into its header and sealed chunks. */
function splitChunks(ciphertext: Uint8Array): { header: Uint8Array; chunks: Uint8Array[] } {
  const chunks: Uint8Array[] = [];
  for (let offset = BLOB_PREAMBLE_BYTES; offset < ciphertext.length; offset += CHUNK + GCM_TAG_BYTES) {
    chunks.push(ciphertext.slice(offset, offset + CHUNK + GCM_TAG_BYTES));
  }
  return { header: ciphertext.slice(0, BLOB_PREAMBLE_BYTES), chunks };
}
const join = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]));

// Four full chunks and a short final one.
const plaintext = patterned(4 * CHUNK + 1000);
const ciphertext = await encryptBlobBytes(key, plaintext, { chunkBytes: CHUNK });

describe('blobs', () => {
  it('round-trips files of every size around the chunk boundaries', async () => {
    for (const size of [0, 1, CHUNK - 9, CHUNK - 8, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 77]) {
      const input = patterned(size, size);
      const sealed = await encryptBlobBytes(key, input, { chunkBytes: CHUNK });
      expect(sealed.length).toBe(blobCiphertextLength(size, CHUNK));
      expect(await decryptBlobBytes(key, sealed)).toEqual({ ok: true, value: input });
    }
  });

  it('announces the stored size before encrypting, and pads it (Padme) so exact sizes do not leak', async () => {
    const a = await encryptBlobBytes(key, patterned(1_000_000));
    const b = await encryptBlobBytes(key, patterned(1_010_000));
    expect(a.length).toBe(blobCiphertextLength(1_000_000));
    expect(a.length).toBe(b.length);
  });

  it('draws a fresh nonce prefix per blob, and makes the same ciphertext again only when given the same one', async () => {
    const collect = async (chunks: AsyncIterable<Uint8Array>) => {
      const pieces: Uint8Array[] = [];
      for await (const piece of chunks) pieces.push(piece);
      return join(...pieces);
    };
    const sealedWith = (noncePrefix?: Uint8Array) =>
      collect(
        encryptBlob(key, [plaintext], plaintext.length, {
          chunkBytes: CHUNK,
          ...(noncePrefix ? { noncePrefix } : {}),
        }),
      );
    expect(await sealedWith()).not.toEqual(await sealedWith());
    const prefix = generateBlobNoncePrefix();
    const resumed = await sealedWith(prefix);
    expect(await sealedWith(prefix)).toEqual(resumed);
    expect(await decryptBlobBytes(key, resumed)).toEqual({ ok: true, value: plaintext });
    await expect(sealedWith(new Uint8Array(6))).rejects.toThrow(/noncePrefix/);
  });

  it('streams through ReadableStreams cut at arbitrary places', async () => {
    const pieces = [plaintext.subarray(0, 5), plaintext.subarray(5, 9000), plaintext.subarray(9000)];
    const encrypted = toReadableStream(
      encryptBlob(key, toReadableStream(asAsync(pieces)), plaintext.length, { chunkBytes: CHUNK }),
    );
    const sealedPieces: Uint8Array[] = [];
    for await (const piece of iterateStream(encrypted)) sealedPieces.push(piece);
    const sealed = join(...sealedPieces);
    const oddCuts = [
      sealed.subarray(0, 3),
      sealed.subarray(3, 4200),
      sealed.subarray(4200, 4201),
      sealed.subarray(4201),
    ];
    const out: Uint8Array[] = [];
    for await (const piece of iterateStream(
      toReadableStream(decryptBlob(key, toReadableStream(asAsync(oddCuts)))),
    )) {
      out.push(piece);
    }
    expect(join(...out)).toEqual(plaintext);
  });

  it('keeps at most a few chunks in memory: the source is read only as the output is consumed', async () => {
    const size = 64 * CHUNK;
    let pulled = 0;
    async function* source() {
      for (let offset = 0; offset < size; offset += CHUNK) {
        pulled++;
        yield patterned(CHUNK, offset);
      }
    }
    let consumed = 0;
    let maxAhead = 0;
    for await (const _ of encryptBlob(key, source(), size, { chunkBytes: CHUNK })) {
      consumed++;
      maxAhead = Math.max(maxAhead, pulled - consumed);
    }
    expect(consumed).toBeGreaterThan(64);
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('refuses a source longer or shorter than declared, as misuse', async () => {
    const tooLong = async () => {
      for await (const _ of encryptBlob(key, [plaintext], plaintext.length - 1)) {
      }
    };
    const tooShort = async () => {
      for await (const _ of encryptBlob(key, [plaintext], plaintext.length + 1)) {
      }
    };
    await expect(tooLong()).rejects.toThrow(/longer/);
    await expect(tooShort()).rejects.toThrow(/shorter/);
  });

  it('refuses the blob under another key', async () => {
    expect(await decryptBlobBytes(generateBlobKey(), ciphertext)).toEqual(decryptFailed);
  });

  it('refuses any single flipped bit, in the header or any chunk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: ciphertext.length * 8 - 1 }), async (bit) => {
        const tampered = ciphertext.slice();
        tampered[bit >> 3]! ^= 1 << (bit & 7);
        expect(await decryptBlobBytes(key, tampered)).toEqual(decryptFailed);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses any truncation, and any trailing data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: ciphertext.length - 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        async (cut, extra) => {
          expect(await decryptBlobBytes(key, ciphertext.subarray(0, cut))).toEqual(decryptFailed);
          expect(await decryptBlobBytes(key, join(ciphertext, extra))).toEqual(decryptFailed);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses dropping whole chunks from the end, even when the rest is intact', async () => {
    const { header, chunks } = splitChunks(ciphertext);
    for (let keep = 1; keep < chunks.length; keep++) {
      expect(await decryptBlobBytes(key, join(header, ...chunks.slice(0, keep)))).toEqual(decryptFailed);
    }
  });

  it('refuses reordered, duplicated or removed chunks', async () => {
    const { header, chunks } = splitChunks(ciphertext);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: chunks.length - 1 }), { minLength: 1, maxLength: chunks.length + 2 }),
        async (order) => {
          const isIdentity =
            order.length === chunks.length && order.every((index, position) => index === position);
          fc.pre(!isIdentity);
          const rearranged = join(header, ...order.map((index) => chunks[index]!));
          expect(await decryptBlobBytes(key, rearranged)).toEqual(decryptFailed);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses chunks spliced in from another file with the same key', async () => {
    const other = splitChunks(
      await encryptBlobBytes(key, patterned(plaintext.length, 99), { chunkBytes: CHUNK }),
    );
    const { header, chunks } = splitChunks(ciphertext);
    for (let index = 0; index < chunks.length; index++) {
      const spliced = chunks.map((chunk, i) => (i === index ? other.chunks[i]! : chunk));
      expect(await decryptBlobBytes(key, join(header, ...spliced))).toEqual(decryptFailed);
    }
    expect(await decryptBlobBytes(key, join(other.header, ...chunks))).toEqual(decryptFailed);
  });

  it('surfaces tampering in a stream as BlobDecryptError, with the same uniform error value', async () => {
    const tampered = ciphertext.slice();
    tampered[tampered.length - 1]! ^= 1;
    const read = async () => {
      for await (const _ of decryptBlob(key, [tampered])) {
      }
    };
    await expect(read()).rejects.toBeInstanceOf(BlobDecryptError);
    await expect(read()).rejects.toMatchObject({ error: { type: 'DecryptFailed' } });
  });
});

/** Cuts bytes into `size`-byte pieces, as Blob.stream() or a fetch body would hand them over. */
const cut = (bytes: Uint8Array, size: number) =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

/** Every chunk a stream yields, kept as yielded, with a copy taken at the time. */
async function yieldedWithSnapshots(chunks: AsyncIterable<Uint8Array>) {
  const kept: { chunk: Uint8Array; snapshot: Uint8Array }[] = [];
  for await (const chunk of chunks) kept.push({ chunk, snapshot: chunk.slice() });
  return kept;
}

describe('blob chunk buffers (See: [Note: Chunk buffer reuse])', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const size = 12 * CHUNK + 1000;
  const input = patterned(size, 7);

  it('never hands a consumer bytes that change later, and leaves the source alone', async () => {
    const pieces = cut(input.slice(), 1000);
    const encrypted = await yieldedWithSnapshots(encryptBlob(key, pieces, size, { chunkBytes: CHUNK }));
    const decrypted = await yieldedWithSnapshots(
      decryptBlob(key, cut(join(...encrypted.map((kept) => kept.chunk)), 1000)),
    );
    for (const { chunk, snapshot } of [...encrypted, ...decrypted]) expect(chunk).toEqual(snapshot);
    for (const yielded of [encrypted, decrypted]) {
      const memories = new Set(yielded.map((kept) => kept.chunk.buffer));
      expect(memories.size).toBe(yielded.length); // no two yielded chunks share memory
    }
    expect(join(...decrypted.map((kept) => kept.chunk))).toEqual(input);
    expect(join(...pieces)).toEqual(input);
  });

  it('makes at most PIPELINE_DEPTH + 1 buffers per stream, whatever the file size', async () => {
    const take = vi.spyOn(ChunkBuffers.prototype, 'take');
    const memories = () => new Set(take.mock.results.map((result) => (result.value as Uint8Array).buffer));
    const sealed = await encryptBlobBytes(key, input, { chunkBytes: CHUNK });
    take.mockClear();
    for await (const _ of encryptBlob(key, cut(input, 1000), size, { chunkBytes: CHUNK })) {
    }
    expect(take.mock.calls.length).toBe(13);
    expect(memories().size).toBeLessThanOrEqual(3);
    take.mockClear();
    for await (const _ of decryptBlob(key, cut(sealed, 1000))) {
    }
    expect(take.mock.calls.length).toBe(13);
    expect(memories().size).toBeLessThanOrEqual(3);
  });

  it('pads with zeros even in a buffer that held earlier plaintext', async () => {
    // 100 chunks and 1 byte: Padme pads to 102 chunks, so the last chunk is padding only and the one before
    // holds 1 byte of plaintext; both are assembled in reused buffers that held 0xff bytes.
    const length = 100 * CHUNK + 1;
    const pieces = cut(new Uint8Array(length).fill(0xff), 1000);
    const sealedPieces: Uint8Array[] = [];
    for await (const piece of encryptBlob(key, pieces, length, { chunkBytes: CHUNK }))
      sealedPieces.push(piece);
    const { header, chunks } = splitChunks(join(...sealedPieces));
    expect(chunks.length).toBe(102);
    const fields = decodeBlobHeaderPrefix(header)!;
    const aesKey = await webCryptoAesGcm.importKey(key);
    const payloadOf = async (index: number) =>
      aesKey.open(
        blobChunkNonce(fields.noncePrefix, index, index === chunks.length - 1),
        header.subarray(0, BLOB_HEADER_BYTES),
        chunks[index]!,
      );
    const beforeLast = (await payloadOf(100))!;
    expect(beforeLast[0]).toBe(0xff);
    expect(beforeLast.subarray(1)).toEqual(new Uint8Array(CHUNK - 1));
    expect(await payloadOf(101)).toEqual(new Uint8Array(CHUNK));
  });

  it('lends each buffer to one holder at a time, ignores views it did not lend, and wipes what it held', () => {
    const buffers = new ChunkBuffers(16);
    const first = buffers.take(16);
    first.fill(9);
    buffers.giveBack(first);
    buffers.giveBack(first); // twice: must not be lent out twice
    buffers.giveBack(new Uint8Array(16)); // not one of ours
    const again = buffers.take(8);
    const other = buffers.take(16);
    expect(again.buffer).toBe(first.buffer);
    expect(other.buffer).not.toBe(first.buffer);
    expect(buffers.count).toBe(2);
    buffers.wipe();
    expect(first).toEqual(new Uint8Array(16));
  });
});

async function* asAsync(pieces: Uint8Array[]) {
  yield* pieces;
}

async function* iterateStream(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}
