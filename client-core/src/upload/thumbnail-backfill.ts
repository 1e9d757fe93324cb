/**
 * @module Thumbnails made later, by a device that can.
 *
 * [Note: Thumbnails made later]
 * A file whose uploader could not decode it is stored without thumbnails: an iPhone's HEVC video picked in a
 * browser without that codec, a HEIC picked where no decoder could load, a video sent by `halyon upload` on a
 * machine without ffmpeg. The grid then shows a placeholder on every device. So a device that is online and idle
 * goes through the photos without thumbnails, one at a time: it downloads and decrypts the original into a Blob
 * (which browsers page to disk when large), makes the thumbnails as an upload would, seals them under the photo's
 * file key, uploads and commits them, and only then writes them into the photo record (library.attachThumbnails,
 * which leaves a photo another device was first to alone: their blobs are then referenced by nothing and the
 * server's collection of unreferenced blobs removes them). A photo this device cannot decode is remembered, in a
 * sealed device note, so its original is downloaded once per device and not at every start; another device, with
 * other codecs, still tries it.
 */
import { BlobDecryptError, type BlobKey, base64ToBytes, decryptBlobBytes, encryptBlobBytes } from '../crypto';
import { downloadOriginal } from '../download/download';
import type { MadeThumbnails } from '../library/library';
import type { PhotoView } from '../library/queries';
import { err, ok, type Result } from '../result';
import type { LocalStore } from '../store/local-store';
import type { TransportError } from '../sync/transport';
import { type BlobApi, isRetryableBlobError } from './blob-api';
import { fileSourceFromBlob, readRange } from './file-source';
import { SNIFF_BYTES, sniffMediaType } from './media-type';
import { sendBlobs } from './send-blob';
import type { ThumbnailMaker } from './thumbnails';
import type { BlobPlan } from './upload-job';

/** The ids of the photos this device tried and could not decode. */
export interface TriedPhotos {
  load(): Promise<readonly string[]>;
  save(photoIds: readonly string[]): Promise<void>;
}

export interface ThumbnailBackfillDeps {
  readonly api: BlobApi;
  readonly thumbnails: ThumbnailMaker;
  readonly library: {
    readonly queries: { withoutThumbnails(): readonly PhotoView[] };
    attachThumbnails(photoId: string, made: MadeThumbnails): Promise<boolean>;
  };
  readonly tried: TriedPhotos;
  readonly newId: () => string;
  /** Originals larger than this are left as they are (default 1 GiB). */
  readonly maxOriginalBytes?: number;
}

export interface BackfillReport {
  /** Photos that got thumbnails. */
  readonly made: number;
  /** Photos this device could not decode, or whose original the server refused (remembered, not tried again). */
  readonly undecodable: number;
}

const DEFAULT_MAX_ORIGINAL_BYTES = 1024 * 1024 * 1024;
/** The decrypted original is gathered into Blobs of about this size, so the pieces are let go as it arrives. */
const BLOB_PART_BYTES = 16 * 1024 * 1024;

const gatherIntoBlob = async (stream: ReadableStream<Uint8Array>, type: string): Promise<Blob> => {
  const parts: Blob[] = [];
  let pieces: Uint8Array[] = [];
  let held = 0;
  for await (const piece of stream) {
    pieces.push(piece);
    held += piece.length;
    if (held >= BLOB_PART_BYTES) {
      parts.push(new Blob(pieces as BlobPart[]));
      pieces = [];
      held = 0;
    }
  }
  parts.push(new Blob(pieces as BlobPart[]));
  return new Blob(parts, { type });
};

const mayHaveThumbnails = (mime: string) => mime.startsWith('image/') || mime.startsWith('video/');

type Outcome = 'made' | 'undecodable' | 'taken' | 'stopped';

/** One photo: its thumbnails made, sent and attached; a transport error stops the run (offline, most likely). */
const backfillOne = async (
  deps: ThumbnailBackfillDeps,
  photo: PhotoView,
  signal: AbortSignal | undefined,
): Promise<Result<Outcome, TransportError>> => {
  const original = await downloadOriginal({ api: deps.api }, photo, signal);
  if (!original.ok) {
    // A refusal (the blob is gone, or not ours to read) will not change: remembered like an undecodable file.
    const { error } = original;
    return error.type === 'Transport' && isRetryableBlobError(error.error)
      ? err(error.error)
      : ok('undecodable');
  }
  let blob: Blob;
  try {
    blob = await gatherIntoBlob(original.value.stream, photo.mime);
  } catch (error) {
    // A ciphertext that does not open is nothing this device can make of; a cut-off download is tried again.
    if (error instanceof BlobDecryptError) return ok('undecodable');
    if (signal?.aborted) return ok('stopped');
    return err({ type: 'NetworkFailure', message: `download cut off: ${String(error)}` });
  }
  const source = fileSourceFromBlob(blob, photo.fileName, photo.takenAt);
  const media = sniffMediaType(await readRange(source, 0, SNIFF_BYTES), photo.mime);
  if (media.kind === 'other') return ok('undecodable');
  const made = await deps.thumbnails.make(source, media);
  if (!made.ok) return ok('undecodable');

  const fileKey = base64ToBytes(photo.fileKey) as BlobKey;
  const sealed = new Map<string, Uint8Array>();
  const plans: BlobPlan[] = [];
  for (const [role, bytes] of [
    ['thumbnail', made.value.thumbnail],
    ['preview', made.value.preview],
  ] as const) {
    if (!bytes) continue;
    const id = deps.newId();
    const ciphertext = await encryptBlobBytes(fileKey, bytes);
    sealed.set(id, ciphertext);
    plans.push({
      role,
      id,
      plainSize: bytes.length,
      cipherSize: ciphertext.length,
      staged: true,
      committed: false,
    });
  }
  fileKey.fill(0);
  const sent = await sendBlobs({
    api: deps.api,
    plans,
    open: async function* (plan) {
      yield sealed.get(plan.id)!;
    },
    signal: signal ?? new AbortController().signal,
    onProgress: () => undefined,
    onPartsChanged: async () => undefined,
    streamBodies: false,
  });
  if (!sent.ok) return sent;
  if (signal?.aborted) return ok('stopped'); // locked meanwhile: the blobs sent are collected as unreferenced
  const attached = await deps.library.attachThumbnails(photo.id, {
    thumbnail: plans[0]!.id,
    preview: plans[1]?.id ?? null,
    width: made.value.width,
    height: made.value.height,
  });
  return ok(attached ? 'made' : 'taken');
};

/**
 * Makes the missing thumbnails this device can, one photo at a time, until done, aborted, or a transport error
 * (answered: the photos not reached are tried at the next run). See: [Note: Thumbnails made later]
 */
export const backfillThumbnails = async (
  deps: ThumbnailBackfillDeps,
  signal?: AbortSignal,
): Promise<Result<BackfillReport, TransportError>> => {
  const maxBytes = deps.maxOriginalBytes ?? DEFAULT_MAX_ORIGINAL_BYTES;
  const candidates = deps.library.queries
    .withoutThumbnails()
    .filter((photo) => photo.size <= maxBytes && mayHaveThumbnails(photo.mime));
  let made = 0;
  let undecodable = 0;
  if (candidates.length === 0) return ok({ made, undecodable });
  // Only photos still waiting are kept in the list, so it never outgrows them.
  const waiting = new Set(candidates.map((photo) => photo.id));
  const tried = new Set((await deps.tried.load()).filter((id) => waiting.has(id)));
  for (const photo of candidates) {
    if (signal?.aborted) break;
    if (tried.has(photo.id)) continue;
    const outcome = await backfillOne(deps, photo, signal);
    if (!outcome.ok) return outcome;
    if (outcome.value === 'made') made++;
    if (outcome.value === 'undecodable') {
      undecodable++;
      tried.add(photo.id);
      await deps.tried.save([...tried]);
    }
  }
  return ok({ made, undecodable });
};

const TRIED_NOTE = 'thumbnail-backfill-tried';

/**
 * The tried list kept in the local store, sealed under `key` (a photo's id says nothing, but its failure might),
 * for `decoders`: what this device decodes with, e.g. the browser's user agent. A list kept under other decoders
 * (the browser was updated, and may play a codec it did not) is forgotten, so those photos are tried again.
 */
export const triedPhotosIn = (
  store: Pick<LocalStore, 'getDeviceNote' | 'putDeviceNote'>,
  key: BlobKey,
  decoders: string,
): TriedPhotos => ({
  async load() {
    const sealed = await store.getDeviceNote(TRIED_NOTE);
    if (!sealed) return [];
    // Unreadable (tampered with, or not JSON): forgetting it only means trying those photos again.
    const opened = await decryptBlobBytes(key, sealed);
    if (!opened.ok) return [];
    try {
      const kept = JSON.parse(new TextDecoder().decode(opened.value)) as {
        decoders?: unknown;
        ids?: unknown;
      };
      if (kept.decoders !== decoders || !Array.isArray(kept.ids)) return [];
      return kept.ids.filter((id): id is string => typeof id === 'string');
    } catch {
      return [];
    }
  },
  async save(photoIds) {
    const plaintext = new TextEncoder().encode(JSON.stringify({ decoders, ids: photoIds }));
    await store.putDeviceNote(TRIED_NOTE, await encryptBlobBytes(key, plaintext));
  },
});
