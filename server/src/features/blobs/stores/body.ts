/**
 * @module Helpers for the bodies streamed into stores: one iterable shape for web and Node streams, and a limiter
 * that holds a body to its declared size.
 */
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import type { BlobBody, SizeMismatch } from './blob-store';

export function toNodeReadable(body: BlobBody): Readable {
  if (body instanceof ReadableStream) return Readable.fromWeb(body as NodeWebReadableStream<Uint8Array>);
  return Readable.from(body, { objectMode: false });
}

export function toAsyncIterable(body: BlobBody): AsyncIterable<Uint8Array> {
  if (body instanceof ReadableStream) return body as NodeWebReadableStream<Uint8Array>;
  return body;
}

export type ExactSizeLimiter = Transform & {
  /** Set once the stream failed because of its size. */
  mismatch(): SizeMismatch | null;
  /** The mismatch to report when the body stopped early for another reason (the sender went away). */
  shortBody(): SizeMismatch;
};

/** Passes bytes through, failing the stream as soon as more than `size` arrive, or at the end if fewer did. */
export function exactSizeLimiter(size: number): ExactSizeLimiter {
  let received = 0;
  let mismatch: SizeMismatch | null = null;
  const shortBody = (): SizeMismatch => ({
    type: 'SizeMismatch',
    expectedBytes: size,
    receivedBytes: received,
  });
  const fail = (): Error => {
    mismatch = shortBody();
    return new Error(`expected ${size} bytes, received ${received}`);
  };
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.byteLength;
      if (received > size) callback(fail());
      else callback(null, chunk);
    },
    flush(callback) {
      callback(received === size ? null : fail());
    },
  });
  return Object.assign(transform, { mismatch: () => mismatch, shortBody });
}

/**
 * Regroups a body into pieces of at least `minBytes` (the last may be smaller), so a file gets a few large
 * writes instead of one per network chunk. When the source fails, what was gathered is still yielded first: a
 * resumable upload keeps every byte that arrived.
 */
export async function* coalesce(
  source: AsyncIterable<Uint8Array>,
  minBytes: number,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const take = (): Uint8Array => {
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  try {
    for await (const chunk of source) {
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= minBytes) yield take();
    }
  } catch (error) {
    if (pendingBytes > 0) yield take();
    throw error;
  }
  if (pendingBytes > 0) yield take();
}
