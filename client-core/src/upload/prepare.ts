/**
 * @module Turns a chosen file into an upload job: sniff its type, hash it with the keyed content hash (one read),
 * read its EXIF, make its thumbnails, draw a file key, encrypt the thumbnails (and the original too when it must
 * be staged) into the local store. Nothing is sent here, so this works offline.
 */
import {
  type BlobKey,
  blobCiphertextLength,
  bytesToBase64,
  type ContentHashKey,
  contentHashOf,
  encryptBlob,
  encryptBlobBytes,
  generateBlobKey,
  generateBlobNoncePrefix,
} from '../crypto';
import { type FileSource, readRange } from './file-source';
import { SNIFF_BYTES, sniffMediaType } from './media-type';
import { readPhotoMetadata } from './photo-metadata';
import type { ThumbnailMaker } from './thumbnails';
import type { BlobPlan, BlobRole, UploadJob } from './upload-job';
import type { UploadStateStore } from './upload-state';

export interface PrepareDeps {
  readonly state: UploadStateStore;
  readonly contentHashKey: ContentHashKey;
  readonly thumbnails: ThumbnailMaker;
  readonly newId: () => string;
  readonly now: () => number;
}

export const contentHashOfSource = async (key: ContentHashKey, source: FileSource): Promise<string> =>
  bytesToBase64(await contentHashOf(key, source.stream()));

const stageBytes = async (state: UploadStateStore, blobId: string, pieces: AsyncIterable<Uint8Array>) => {
  let index = 0;
  for await (const piece of pieces) await state.putStagedPiece(blobId, index++, piece);
};

const plan = (role: BlobRole, id: string, plainSize: number, staged: boolean): BlobPlan => ({
  role,
  id,
  plainSize,
  cipherSize: blobCiphertextLength(plainSize),
  staged,
  committed: false,
});

/** A prepared job, and the staged ciphertexts it made (by blob id), which the caller may send from memory. */
export interface PreparedJob {
  readonly job: UploadJob;
  readonly stagedBytes: ReadonlyMap<string, Uint8Array>;
}

/** Builds and stages the job for `source`, whose keyed content hash the caller computed (for de-duplication). */
export const prepareJob = async (
  deps: PrepareDeps,
  source: FileSource,
  contentHash: string,
  batchId: string,
): Promise<PreparedJob> => {
  const media = sniffMediaType(await readRange(source, 0, SNIFF_BYTES), source.type);
  const metadata = media.kind === 'image' ? await readPhotoMetadata(source) : undefined;
  const thumbnails = media.kind === 'other' ? undefined : await deps.thumbnails.make(source, media);
  const fileKey: BlobKey = generateBlobKey();
  const blobs: BlobPlan[] = [];
  const stagedBytes = new Map<string, Uint8Array>();

  // Thumbnails first: they are small and are what the timeline shows while the original is still on its way.
  if (thumbnails?.ok) {
    const made = [
      ['thumbnail', thumbnails.value.thumbnail],
      ['preview', thumbnails.value.preview],
    ] as const;
    for (const [role, bytes] of made) {
      if (!bytes) continue;
      const id = deps.newId();
      const sealed = await encryptBlobBytes(fileKey, bytes);
      await deps.state.putStagedPiece(id, 0, sealed);
      stagedBytes.set(id, sealed);
      blobs.push(plan(role, id, bytes.length, true));
    }
  }
  const original = plan('original', deps.newId(), source.size, source.reopenRef === undefined);
  if (original.staged) {
    await stageBytes(deps.state, original.id, encryptBlob(fileKey, source.stream(), source.size));
  } else {
    original.noncePrefix = bytesToBase64(generateBlobNoncePrefix()); // See: [Note: Resumed multipart uploads]
  }
  blobs.push(original);

  const job: UploadJob = {
    id: deps.newId(),
    batchId,
    queuedAt: deps.now(),
    sourceRef: source.reopenRef ?? null,
    ...(original.staged ? {} : { sourceModifiedAt: source.lastModified }),
    photo: {
      fileName: source.name,
      fileKey: bytesToBase64(fileKey),
      size: source.size,
      mime: media.mime,
      width: thumbnails?.ok ? thumbnails.value.width : 0,
      height: thumbnails?.ok ? thumbnails.value.height : 0,
      takenAt: Math.round(metadata?.takenAt ?? source.lastModified),
      exif: metadata?.exif ?? {},
      location: metadata?.location ?? null,
      contentHash,
    },
    blobs,
    failure: null,
  };
  fileKey.fill(0);
  return { job, stagedBytes };
};
