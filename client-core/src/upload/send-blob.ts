/**
 * @module Sends a photo's blobs: one reservation for all of them (all or none under the quota), each blob's
 * ciphertext to whatever target the server answers, then one commit for all of them. Each attempt reserves again
 * (the same ids and sizes: a retry on the server, with fresh targets), so expired presigned URLs need no special
 * case. Memory: a few ciphertext chunks for the server's endpoint, one part for multipart, and at most the
 * multipart threshold for a presigned PUT.
 *
 * [Note: Resumed multipart uploads]
 * A multipart upload survives a lost network or a reload: the server keeps the same upload for the reservation,
 * and each part's ETag is persisted (in the sealed job) as soon as the bucket has stored it. (The filesystem
 * store's endpoint keeps what arrived of a cut-off PUT and says how much in `uploadedBytes`: the rest is sent from
 * there with Content-Range, on the same condition that the ciphertext is made again identically.) The next attempt
 * makes the same ciphertext again (a staged blob is read back; an unstaged one is re-encrypted under its persisted
 * nonce prefix, from a file whose size and date are unchanged) and sends only the parts without an ETag. If the
 * bucket no longer has them (the reservation expired and was collected), the commit is refused; the ETags are
 * then forgotten and the whole blob is sent again at once.
 */
import type { UploadTarget } from '@halyon/protocol';
import { toReadableStream } from '../crypto';
import { ok, type Result } from '../result';
import type { TransportError } from '../sync/transport';
import type { BlobApi, BlobBody, CompletedPart } from './blob-api';
import type { BlobPlan } from './upload-job';

export interface SendBlobsOptions {
  readonly api: BlobApi;
  /** The blobs to send (those not committed yet); the first is the one a full quota refuses. */
  readonly plans: readonly BlobPlan[];
  /** A blob's ciphertext from its first byte, exactly `plan.cipherSize` bytes; opened once per attempt. */
  readonly open: (plan: BlobPlan) => AsyncIterable<Uint8Array>;
  readonly signal: AbortSignal;
  /** Ciphertext bytes of this blob handed to the network (or already stored) so far in this attempt. */
  readonly onProgress: (plan: BlobPlan, sentBytes: number) => void;
  /**
   * A part of a multipart upload is stored (it was added to `plan.parts`): persist the plan so a resumed upload
   * skips it. Also called with the parts emptied, when the bucket has lost them.
   */
  readonly onPartsChanged: (plan: BlobPlan) => Promise<void>;
  /**
   * How a `server` target gets its body: streamed (Node, or a browser talking HTTP/2), or gathered into a Blob
   * first (a browser on HTTP/1.1, where fetch cannot stream a request; browsers page large Blobs to disk).
   */
  readonly streamBodies: boolean;
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

/** The ciphertext is the same at every attempt: read back from the local store, or made under a kept nonce prefix. */
const isReproducible = (plan: BlobPlan) => plan.staged || plan.noncePrefix !== undefined;

/** The stream without its first `count` bytes. */
async function* skip(source: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let skipped = 0;
  for await (const piece of source) {
    if (skipped + piece.length <= count) {
      skipped += piece.length;
      continue;
    }
    yield skipped < count ? piece.subarray(count - skipped) : piece;
    skipped = count;
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
  options: SendBlobsOptions,
  plan: BlobPlan,
  target: UploadTarget,
): Promise<Result<readonly CompletedPart[] | undefined, TransportError>> => {
  const { api, signal } = options;
  const onProgress = (sentBytes: number) => options.onProgress(plan, sentBytes);
  const open = () => options.open(plan);
  switch (target.kind) {
    case 'server': {
      // The server keeps what arrived of a cut-off upload; the same ciphertext made again continues from there.
      const from = isReproducible(plan) ? Math.min(target.uploadedBytes, plan.cipherSize) : 0;
      const rest = () => skip(open(), from);
      const sendRest = (body: BlobBody) =>
        from > 0
          ? api.putRest(target, body, from, plan.cipherSize, signal)
          : api.putWhole(target, body, plan.cipherSize, signal);
      if (options.streamBodies) {
        const sent = await sendRest(toReadableStream(counted(rest(), (bytes) => onProgress(from + bytes))));
        return sent.ok ? ok(undefined) : sent;
      }
      const pieces: Uint8Array[] = [];
      for await (const piece of rest()) pieces.push(piece);
      const sent = await sendRest(new Blob(pieces as BlobPart[]));
      if (!sent.ok) return sent;
      onProgress(plan.cipherSize);
      return ok(undefined);
    }
    case 'presigned-put': {
      // A bucket needs Content-Length on a presigned PUT; the server answers this target only below its multipart
      // threshold, so holding the body is bounded by that.
      const body = await collect(open(), plan.cipherSize);
      const sent = await api.putWhole(target, body, plan.cipherSize, signal);
      if (!sent.ok) return sent;
      onProgress(plan.cipherSize);
      return ok(undefined);
    }
    case 'multipart': {
      const urls = new Map(target.parts.map((p) => [p.partNumber, p.url]));
      const stored = new Map((plan.parts ?? []).map((p) => [p.partNumber, p.etag]));
      const parts: CompletedPart[] = [];
      let partNumber = 0;
      let sentBytes = 0;
      // Stored parts are made again but not sent: the ciphertext is a stream, and encrypting is much cheaper
      // than sending. See: [Note: Resumed multipart uploads]
      for await (const bytes of cutInto(open(), target.partSize)) {
        partNumber++;
        let etag = stored.get(partNumber);
        if (etag === undefined) {
          const url = urls.get(partNumber);
          if (!url) throw new Error(`the upload target has no URL for part ${partNumber}`);
          const sent = await api.putPart(url, bytes, signal);
          if (!sent.ok) return sent;
          etag = sent.value;
          plan.parts = [...(plan.parts ?? []), { partNumber, etag }];
          await options.onPartsChanged(plan);
        }
        parts.push({ partNumber, etag });
        sentBytes += bytes.length;
        onProgress(sentBytes);
      }
      return ok(parts);
    }
  }
};

const isSizeMismatch = (error: TransportError) =>
  error.type === 'ProblemResponse' && error.problem.code === 'blob_size_mismatch';

/** Reserve (again), send, commit. Resolves ok once the server holds every blob committed. */
export const sendBlobs = async (options: SendBlobsOptions): Promise<Result<void, TransportError>> => {
  const { api, plans } = options;
  if (plans.length === 0) return ok(undefined);
  const resumed = plans.filter((p) => p.parts && p.parts.length > 0);
  const reserved = await api.reserveMany(plans.map((p) => ({ id: p.id, size: p.cipherSize })));
  if (!reserved.ok) return reserved;
  const sends = reserved.value.blobs.map(async ({ upload }, i) => {
    const plan = plans[i]!;
    // No target: committed already (an earlier attempt's commit answer was lost).
    if (upload === null) return ok(null);
    const sent = await sendToTarget(options, plan, upload);
    return sent.ok ? ok({ id: plan.id, parts: sent.value }) : sent;
  });
  const toCommit: { id: string; parts: readonly CompletedPart[] | undefined }[] = [];
  for (const sent of await Promise.all(sends)) {
    if (!sent.ok) return sent;
    if (sent.value) toCommit.push(sent.value);
  }
  if (toCommit.length === 0) return ok(undefined);
  const committed = await api.commitMany(toCommit);
  if (committed.ok) return ok(undefined);
  // Parts from an earlier attempt that the bucket no longer holds: forget them and send everything once more.
  if (!isSizeMismatch(committed.error) || resumed.length === 0) return committed;
  for (const plan of resumed) {
    plan.parts = [];
    await options.onPartsChanged(plan);
  }
  return sendBlobs(options);
};
