/**
 * @module Where upload jobs live between runs, and how they are sealed. A job (what to upload, which blobs are
 * committed) is JSON encrypted in the blob format under a key derived from the master key; staged bytes are
 * already blob ciphertext. So the local store never holds a plaintext file name, date, place or photo.
 *
 * [Note: Staged uploads]
 * A file the platform can reopen after a restart (a path in Node) is read again and re-encrypted when it is sent.
 * A file it cannot (a File in the browser, gone after a reload) is encrypted into the local store when it is
 * queued, in pieces, and sent from there: that is also how a photo chosen offline waits for the network. Thumbnails
 * are always staged (they are made, not read).
 */
import { type BlobKey, decryptBlobBytes, encryptBlobBytes } from '../crypto';
import type { UploadJob } from './upload-job';
import { UploadJobSchema } from './upload-job';

export interface SealedJob {
  readonly id: string;
  readonly sealed: Uint8Array;
}

/** Implemented by store/upload-store.ts (IndexedDB, or fake-indexeddb in Node). */
export interface UploadStateStore {
  putJob(job: SealedJob): Promise<void>;
  listJobs(): Promise<readonly SealedJob[]>;
  deleteJob(id: string): Promise<void>;
  /** Appends a piece of a blob's ciphertext; pieces are read back in the order of `index`. */
  putStagedPiece(blobId: string, index: number, bytes: Uint8Array): Promise<void>;
  /** The staged pieces of a blob in order, read one at a time. */
  readStaged(blobId: string): AsyncIterable<Uint8Array>;
  deleteStaged(blobId: string): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const sealJob = async (key: BlobKey, job: UploadJob): Promise<SealedJob> => ({
  id: job.id,
  sealed: await encryptBlobBytes(key, encoder.encode(JSON.stringify(job))),
});

/** undefined for a job that does not open or parse (another account's store, a newer client): it is skipped. */
export const openJob = async (key: BlobKey, sealed: SealedJob): Promise<UploadJob | undefined> => {
  const plaintext = await decryptBlobBytes(key, sealed.sealed);
  if (!plaintext.ok) return undefined;
  try {
    const parsed = UploadJobSchema.safeParse(JSON.parse(decoder.decode(plaintext.value)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};
