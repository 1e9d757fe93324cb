/**
 * @module Blob (file) encryption: a random key per file, AES-256-GCM (aes-gcm.ts) in fixed-size chunks with
 * the STREAM construction, so truncating, reordering, duplicating or splicing chunks fails. Layout in formats.ts
 * ("Blobs"). Encryption and decryption stream with at most a few chunks in memory whatever the file size.
 *
 * [Note: Streaming blob decryption]
 * Each chunk is authenticated on its own and released as soon as it verifies, but truncation after a complete
 * chunk is only detected at the end (a chunk the length block promised is missing). A consumer must treat the file as valid only when
 * the stream completes, and must discard what it received if the stream errors with BlobDecryptError.
 */
import { err, ok, type Result } from '../result';
import { chunksOf } from '../streams';
import { type AesGcmKey, blobAesGcm } from './aes-gcm';
import { assertBytes, concatBytes, constantTimeEqual, randomBytes, u64be, utf8ToBytes } from './bytes';
import { BlobDecryptError, CryptoInputError, type DecryptFailed, decryptFailed } from './errors';
import {
  BLOB_COMMITTED_HEADER_BYTES,
  BLOB_DEFAULT_CHUNK_BYTES,
  BLOB_HEADER_BYTES,
  BLOB_MAX_CHUNK_BYTES,
  BLOB_MAX_CHUNKS,
  BLOB_MIN_CHUNK_BYTES,
  BLOB_NONCE_PREFIX_BYTES,
  BLOB_PREAMBLE_BYTES,
  blobChunkNonce,
  blobLengthNonce,
  blobPayloadLength,
  COMMIT_LABELS,
  decodeBlobHeaderPrefix,
  encodeBlobHeaderPrefix,
  GCM_TAG_BYTES,
  KEY_BYTES,
} from './formats';
import { sha256Sync } from './sha2';
import type { BlobKey } from './types';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

export const generateBlobKey = (): BlobKey => randomBytes(KEY_BYTES) as BlobKey;

/** A fresh random nonce prefix for encryptBlob; every blob gets its own unless one is resumed. */
export const generateBlobNoncePrefix = (): Uint8Array => randomBytes(BLOB_NONCE_PREFIX_BYTES);

/** Chunks in flight at once: lets WebCrypto work on one chunk while the next is read. */
const PIPELINE_DEPTH = 2;

function headerCommitment(key: BlobKey, headerPrefix: Uint8Array): Uint8Array {
  const input = concatBytes(utf8ToBytes(COMMIT_LABELS.blob), key, headerPrefix);
  const commitment = sha256Sync(input);
  input.fill(0);
  return commitment;
}

function assertChunkBytes(chunkBytes: number): void {
  if (
    !Number.isInteger(chunkBytes) ||
    chunkBytes < BLOB_MIN_CHUNK_BYTES ||
    chunkBytes > BLOB_MAX_CHUNK_BYTES
  ) {
    throw new CryptoInputError(
      `chunkBytes must be an integer in [${BLOB_MIN_CHUNK_BYTES}, ${BLOB_MAX_CHUNK_BYTES}]`,
    );
  }
}

async function* iterate(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    return yield* chunksOf(source as ReadableStream<Uint8Array>);
  }
  yield* source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/**
 * Marks a pipelined chunk's promise as handled: it may reject while an earlier chunk is awaited, and is awaited
 * (rethrowing) in order later, or dropped if the stream stops first.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * [Note: Chunk buffer reuse]
 * When the source is cut elsewhere than at chunk boundaries (Blob.stream() and fetch bodies hand out pieces of
 * ~64 KiB), a stream reassembles each chunk in a buffer of its own. A fresh 1 MiB buffer per chunk is zeroed by
 * the allocator or, on never-touched memory, costs ~256 page faults; reusing a few measured 15% less CPU per
 * 20 MiB file encrypted and 6% per file decrypted (docs/crypto.md, "Blob buffers"). The buffers never leave this
 * module: only the AES-GCM call reads one, and it is given back only once that call has settled, so no buffer is
 * rewritten while anything may still read it. Consumers get the AES-GCM output, a fresh buffer that is theirs to
 * keep (neither WebCrypto nor node:crypto can write into a caller's buffer, so that one cannot be reused). At
 * most PIPELINE_DEPTH + 1 exist per stream (in flight, plus one filling) whatever the file size; encryption
 * wipes them when the stream ends, since they held plaintext.
 */
export class ChunkBuffers {
  private readonly idle: Uint8Array[] = [];
  /** Every buffer made, by its memory, so a view into one finds its way back; and those lent out now. */
  private readonly made = new Map<ArrayBufferLike, Uint8Array>();
  private readonly lent = new Set<Uint8Array>();

  constructor(private readonly size: number) {}

  /** `length` (at most the pool's size) bytes of a buffer that holds stale bytes: the caller overwrites them. */
  take(length: number): Uint8Array {
    let whole = this.idle.pop();
    if (!whole) {
      whole = new Uint8Array(this.size);
      this.made.set(whole.buffer, whole);
    }
    this.lent.add(whole);
    return whole.subarray(0, length);
  }

  /** Gives back what take() lent; anything else (a slice of the caller's source) is left alone. */
  giveBack(view: Uint8Array): void {
    const whole = this.made.get(view.buffer);
    if (whole && this.lent.delete(whole)) this.idle.push(whole);
  }

  /** Gives back `view` once `use` settles, whatever its outcome. */
  giveBackAfter<T>(use: Promise<T>, view: Uint8Array): Promise<T> {
    return use.finally(() => this.giveBack(view));
  }

  /** Overwrites every buffer with zeros (encrypting, they held plaintext) and forgets them. */
  wipe(): void {
    for (const whole of this.made.values()) whole.fill(0);
    this.made.clear();
    this.lent.clear();
    this.idle.length = 0;
  }

  /** How many buffers this stream made: bounded by the pipeline, not the file size. */
  get count(): number {
    return this.made.size;
  }
}

/**
 * Re-cuts the payload (plaintext || zero padding) into chunkBytes-sized pieces. A source piece that already
 * holds a whole chunk at a chunk boundary is passed on without copying; other chunks are assembled in `buffers`
 * (See: [Note: Chunk buffer reuse]).
 */
async function* payloadChunks(
  source: ByteSource,
  plaintextLength: number,
  chunkBytes: number,
  buffers: ChunkBuffers,
): AsyncGenerator<Uint8Array> {
  const payloadLength = blobPayloadLength(plaintextLength);
  const nextChunkLength = (emitted: number) => Math.min(chunkBytes, payloadLength - emitted);
  let chunk: Uint8Array | undefined;
  let filled = 0;
  let emitted = 0; // payload bytes already yielded
  let consumed = 0; // plaintext bytes read from the source
  for await (const piece of iterate(source)) {
    if (!(piece instanceof Uint8Array))
      throw new CryptoInputError('blob source must yield Uint8Array chunks');
    consumed += piece.length;
    if (consumed > plaintextLength) throw new CryptoInputError('blob source is longer than plaintextLength');
    let offset = 0;
    while (offset < piece.length) {
      const wanted = nextChunkLength(emitted);
      if (filled === 0 && piece.length - offset >= wanted) {
        yield piece.subarray(offset, offset + wanted);
        offset += wanted;
        emitted += wanted;
        continue;
      }
      chunk ??= buffers.take(wanted);
      const take = Math.min(wanted - filled, piece.length - offset);
      chunk.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === wanted) {
        yield chunk;
        emitted += wanted;
        chunk = undefined;
        filled = 0;
      }
    }
  }
  if (consumed !== plaintextLength) throw new CryptoInputError('blob source is shorter than plaintextLength');
  // The rest is zero padding; a reused buffer still holds an earlier chunk's plaintext, so it is wiped.
  while (emitted < payloadLength) {
    const padded = chunk ?? buffers.take(nextChunkLength(emitted));
    padded.fill(0, chunk ? filled : 0);
    yield padded;
    emitted += padded.length;
    chunk = undefined;
  }
}

/**
 * Encrypts a file of exactly `plaintextLength` bytes (declared up front, so the upload size is known: see
 * blobCiphertextLength). Yields the header and length block, then one ciphertext chunk at a time.
 */
export async function* encryptBlob(
  key: BlobKey,
  source: ByteSource,
  plaintextLength: number,
  options: {
    readonly chunkBytes?: number;
    /**
     * A prefix from generateBlobNoncePrefix, given only to make the same ciphertext of the same plaintext again (a
     * resumed upload sends only the parts the bucket lacks). Never with other plaintext under the same key: a
     * repeated AES-GCM nonce leaks the XOR of the plaintexts and the authentication key (NIST SP 800-38D §8).
     */
    readonly noncePrefix?: Uint8Array;
  } = {},
): AsyncGenerator<Uint8Array> {
  assertBytes(key, 'key', KEY_BYTES);
  if (options.noncePrefix) assertBytes(options.noncePrefix, 'noncePrefix', BLOB_NONCE_PREFIX_BYTES);
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) {
    throw new CryptoInputError('plaintextLength must be a safe integer >= 0');
  }
  const chunkBytes = options.chunkBytes ?? BLOB_DEFAULT_CHUNK_BYTES;
  assertChunkBytes(chunkBytes);
  const chunkCount = Math.ceil(blobPayloadLength(plaintextLength) / chunkBytes);
  if (chunkCount >= BLOB_MAX_CHUNKS) throw new CryptoInputError('blob too large for this chunk size');
  const noncePrefix = options.noncePrefix ?? generateBlobNoncePrefix();
  const headerPrefix = encodeBlobHeaderPrefix({ chunkBytes, noncePrefix });
  const header = concatBytes(headerPrefix, headerCommitment(key, headerPrefix));
  const aesKey = await blobAesGcm.importKey(key);
  const lengthBlock = await aesKey.seal(blobLengthNonce(noncePrefix), header, u64be(plaintextLength));
  yield concatBytes(header, lengthBlock);

  // A blob of one chunk needs no buffer larger than its payload. See: [Note: Chunk buffer reuse]
  const buffers = new ChunkBuffers(Math.min(chunkBytes, blobPayloadLength(plaintextLength)));
  try {
    const inFlight: Promise<Uint8Array>[] = [];
    let index = 0;
    for await (const chunk of payloadChunks(source, plaintextLength, chunkBytes, buffers)) {
      const iv = blobChunkNonce(noncePrefix, index, index === chunkCount - 1);
      index++;
      inFlight.push(handled(buffers.giveBackAfter(aesKey.seal(iv, header, chunk), chunk)));
      if (inFlight.length >= PIPELINE_DEPTH) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    buffers.wipe();
  }
}

/** Reads exact byte counts from a source of arbitrarily cut pieces, holding at most one piece ahead. */
class ExactReader {
  private readonly pieces: AsyncGenerator<Uint8Array>;
  private pending: Uint8Array = new Uint8Array(0);
  private ended = false;

  constructor(source: ByteSource) {
    this.pieces = iterate(source);
  }

  /**
   * Up to `length` bytes; fewer only when the source has ended. Copies only when a read spans pieces, into a
   * buffer from `buffers` if given (the caller gives it back), else a fresh one.
   */
  async read(length: number, buffers?: ChunkBuffers): Promise<Uint8Array> {
    if (this.pending.length === 0) await this.pull();
    if (this.pending.length >= length) {
      const out = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      return out;
    }
    const out = buffers?.take(length) ?? new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (this.pending.length === 0 && !(await this.pull())) break;
      const take = Math.min(length - filled, this.pending.length);
      out.set(this.pending.subarray(0, take), filled);
      this.pending = this.pending.subarray(take);
      filled += take;
    }
    return filled === length ? out : out.subarray(0, filled);
  }

  async isAtEnd(): Promise<boolean> {
    while (this.pending.length === 0) if (!(await this.pull())) return true;
    return false;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.pieces.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    if (!(next.value instanceof Uint8Array))
      throw new CryptoInputError('blob source must yield Uint8Array chunks');
    this.pending = next.value;
    return true;
  }

  async close(): Promise<void> {
    await this.pieces.return(undefined);
  }
}

async function decryptGcm(aesKey: AesGcmKey, iv: Uint8Array, header: Uint8Array, ciphertext: Uint8Array) {
  const plaintext = await aesKey.open(iv, header, ciphertext);
  if (!plaintext) throw new BlobDecryptError();
  return plaintext;
}

/**
 * Decrypts a blob, yielding plaintext as each chunk verifies, and throws BlobDecryptError on any tampering,
 * truncation or trailing data. See: [Note: Streaming blob decryption]
 */
export async function* decryptBlob(key: BlobKey, source: ByteSource): AsyncGenerator<Uint8Array> {
  assertBytes(key, 'key', KEY_BYTES);
  const reader = new ExactReader(source);
  try {
    const preamble = await reader.read(BLOB_PREAMBLE_BYTES);
    const fields = decodeBlobHeaderPrefix(preamble);
    if (preamble.length !== BLOB_PREAMBLE_BYTES || !fields) throw new BlobDecryptError();
    const header = preamble.slice(0, BLOB_HEADER_BYTES);
    const commitment = header.subarray(BLOB_COMMITTED_HEADER_BYTES);
    if (
      !constantTimeEqual(headerCommitment(key, header.subarray(0, BLOB_COMMITTED_HEADER_BYTES)), commitment)
    ) {
      throw new BlobDecryptError();
    }
    const { chunkBytes, noncePrefix } = fields;
    const aesKey = await blobAesGcm.importKey(key);
    const lengthBytes = await decryptGcm(
      aesKey,
      blobLengthNonce(noncePrefix),
      header,
      preamble.subarray(BLOB_HEADER_BYTES),
    );
    const plaintextLength = Number(
      new DataView(lengthBytes.buffer, lengthBytes.byteOffset, lengthBytes.length).getBigUint64(0),
    );
    if (!Number.isSafeInteger(plaintextLength)) throw new BlobDecryptError();
    const payloadLength = blobPayloadLength(plaintextLength);
    const chunkCount = Math.ceil(payloadLength / chunkBytes);
    // Ciphertext only: nothing to wipe. Sized to the payload when that is one chunk.
    const buffers = new ChunkBuffers(Math.min(chunkBytes, payloadLength) + GCM_TAG_BYTES);

    let remaining = plaintextLength; // plaintext bytes still to yield; the rest of the payload is padding
    const release = (payload: Uint8Array): Uint8Array => {
      const take = Math.min(remaining, payload.length);
      remaining -= take;
      return payload.subarray(0, take);
    };
    const inFlight: Promise<Uint8Array>[] = [];
    for (let index = 0; index < chunkCount; index++) {
      const expected = Math.min(chunkBytes, payloadLength - index * chunkBytes) + GCM_TAG_BYTES;
      const ciphertext = await reader.read(expected, buffers);
      if (ciphertext.length !== expected) throw new BlobDecryptError();
      const iv = blobChunkNonce(noncePrefix, index, index === chunkCount - 1);
      inFlight.push(handled(buffers.giveBackAfter(decryptGcm(aesKey, iv, header, ciphertext), ciphertext)));
      if (inFlight.length >= PIPELINE_DEPTH) {
        const plaintext = release(await inFlight.shift()!);
        if (plaintext.length > 0) yield plaintext;
      }
    }
    while (inFlight.length > 0) {
      const plaintext = release(await inFlight.shift()!);
      if (plaintext.length > 0) yield plaintext;
    }
    if (!(await reader.isAtEnd())) throw new BlobDecryptError();
  } finally {
    await reader.close();
  }
}

/** Whole-buffer encryption, for thumbnails and tests. */
export async function encryptBlobBytes(
  key: BlobKey,
  plaintext: Uint8Array,
  options: { readonly chunkBytes?: number } = {},
): Promise<Uint8Array> {
  assertBytes(plaintext, 'plaintext');
  return collect(encryptBlob(key, [plaintext], plaintext.length, options));
}

/** Whole-buffer decryption; failures are a value here, since there is no stream to error. */
export async function decryptBlobBytes(
  key: BlobKey,
  ciphertext: Uint8Array,
): Promise<Result<Uint8Array, DecryptFailed>> {
  assertBytes(ciphertext, 'ciphertext');
  try {
    return ok(await collect(decryptBlob(key, [ciphertext])));
  } catch (error) {
    if (error instanceof BlobDecryptError) return err(decryptFailed);
    throw error;
  }
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return concatBytes(...parts);
}

/** Wraps an async iterable as a pull-based ReadableStream, so backpressure keeps memory bounded. */
export function toReadableStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 1 },
  );
}
