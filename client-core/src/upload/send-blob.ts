/**
 * @module Sends one blob's ciphertext to whatever target the server answers, then commits it. Each attempt
 * reserves again (the same id and size: a retry on the server, with a fresh target), so expired presigned URLs and
 * half-sent bodies need no special case: whatever was half-sent is replaced. Memory: a few ciphertext chunks for
 * the server's endpoint, one part for multipart, and at most the multipart threshold for a presigned PUT.
 */
import type { UploadTarget } from '@halyon/protocol';
import { toReadableStream } from '../crypto';
import { ok, type Result } from '../result';
import type { TransportError } from '../sync/transport';
import type { BlobApi, CompletedPart } from './blob-api';
import type { BlobPlan } from './upload-job';

export interface SendBlobOptions {
  readonly api: BlobApi;
  readonly plan: BlobPlan;
  /** The blob's ciphertext from its first byte, exactly `plan.cipherSize` bytes; opened once per attempt. */
  readonly open: () => AsyncIterable<Uint8Array>;
  readonly signal: AbortSignal;
  /** Ciphertext bytes handed to the network so far in this attempt. */
  readonly onProgress: (sentBytes: number) => void;
  /**
   * How a `server` target gets its body: streamed (Node, or a browser talking HTTP/2), or gathered into a Blob
   * first (a browser on HTTP/1.1, where fetch cannot stream a request; browsers page large Blobs to disk).
   */
  readonly streamBodies: boolean;
  /** Called once the server holds the reservation (the quota accepted it). */
  readonly onReserved?: () => void;
}

/** Cuts a stream into pieces of exactly `size` bytes (the last may be shorter), copying only across boundaries. */
export async function* cutInto(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const piece of source) {
    let offset = 0;
    while (offset < piece.length) {
      if (filled === 0 && piece.length - offset >= size) {
        yield piece.subarray(offset, offset + size);
        offset += size;
        continue;
      }
      const take = Math.min(size - filled, piece.length - offset);
      buffer.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === size) {
        yield buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

async function* counted(
  source: AsyncIterable<Uint8Array>,
  onProgress: (sentBytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for await (const piece of source) {
    yield piece;
    sent += piece.length;
    onProgress(sent);
  }
}

const collect = async (source: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> => {
  const out = new Uint8Array(size);
  let filled = 0;
  for await (const piece of source) {
    if (filled + piece.length > size) throw new Error('blob ciphertext is longer than planned');
    out.set(piece, filled);
    filled += piece.length;
  }
  if (filled !== size) throw new Error('blob ciphertext is shorter than planned');
  return out;
};

const sendToTarget = async (
  options: SendBlobOptions,
  target: UploadTarget,
): Promise<Result<readonly CompletedPart[] | undefined, TransportError>> => {
  const { api, plan, signal, onProgress } = options;
  switch (target.kind) {
    case 'server': {
      if (options.streamBodies) {
        const body = toReadableStream(counted(options.open(), onProgress));
        const sent = await api.putWhole(target, body, plan.cipherSize, signal);
        return sent.ok ? ok(undefined) : sent;
      }
      const pieces: Uint8Array[] = [];
      for await (const piece of options.open()) pieces.push(piece);
      const sent = await api.putWhole(target, new Blob(pieces as BlobPart[]), plan.cipherSize, signal);
      if (!sent.ok) return sent;
      onProgress(plan.cipherSize);
      return ok(undefined);
    }
    case 'presigned-put': {
      // A bucket needs Content-Length on a presigned PUT; the server answers this target only below its multipart
      // threshold, so holding the body is bounded by that.
      const body = await collect(options.open(), plan.cipherSize);
      const sent = await api.putWhole(target, body, plan.cipherSize, signal);
      if (!sent.ok) return sent;
      onProgress(plan.cipherSize);
      return ok(undefined);
    }
    case 'multipart': {
      const urls = new Map(target.parts.map((p) => [p.partNumber, p.url]));
      const parts: CompletedPart[] = [];
      let partNumber = 0;
      let sentBytes = 0;
      for await (const bytes of cutInto(options.open(), target.partSize)) {
        partNumber++;
        const url = urls.get(partNumber);
        if (!url) throw new Error(`the upload target has no URL for part ${partNumber}`);
        const etag = await api.putPart(url, bytes, signal);
        if (!etag.ok) return etag;
        parts.push({ partNumber, etag: etag.value });
        sentBytes += bytes.length;
        onProgress(sentBytes);
      }
      return ok(parts);
    }
  }
};

/** Reserve (again), send, commit. Resolves ok once the server holds the blob committed. */
export const sendBlob = async (options: SendBlobOptions): Promise<Result<void, TransportError>> => {
  const { api, plan } = options;
  const reserved = await api.reserve(plan.id, plan.cipherSize);
  if (!reserved.ok) return reserved;
  options.onReserved?.();
  // No target: committed already (an earlier attempt's commit answer was lost).
  if (reserved.value.upload === null) return ok(undefined);
  const sent = await sendToTarget(options, reserved.value.upload);
  if (!sent.ok) return sent;
  const committed = await api.commit(plan.id, sent.value);
  return committed.ok ? ok(undefined) : committed;
};
