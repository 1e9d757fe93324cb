/**
 * @module Garbage collection of blobs, run periodically by every server process (the row locks make concurrent
 * runs safe).
 *
 * [Note: Blob GC]
 * Two kinds of garbage:
 * - Reservations never committed within BLOB_RESERVATION_TTL_MS: their open multipart upload is aborted, whatever
 *   was uploaded is deleted, and the reservation is dropped (which frees its quota).
 * - Committed blobs no live record refers to. `unreferenced_since` is set at commit and by each run for blobs
 *   that lost their last live reference (a tombstone or an edit dropped them), and cleared for blobs referred to
 *   again. A blob is deleted once it has been unreferenced for BLOB_UNREFERENCED_GRACE_MS, so a client has that
 *   long to push the record after committing, and a deletion can be undone for that long. The clock can start up
 *   to one GC interval late or early, which is small against the grace period.
 * Races with a push: checkBlobRefs takes a share lock on the blob rows inside the push transaction, and the GC
 * deletes a blob only under an update lock and after re-checking references in a fresh statement. So either the
 * push sees the blob gone (blob_not_found), or the GC sees the committed record and keeps the blob.
 * Lock order everywhere: the owner's quota row, then the blob row.
 */
import {
  addUsedBytes,
  deleteBlobRow,
  findBlob,
  findBlobForUpdate,
  findExpiredReservationIds,
  findUnreferencedBlobIds,
  hasLiveReference,
  lockQuota,
  updateUnreferencedSince,
} from './blobs.repository';
import { type BlobsDeps, storeOf } from './blobs.service';
import { isDirectUploadStore } from './stores/blob-store';

const BATCH = 200;

export type BlobGcReport = {
  readonly expiredReservations: number;
  readonly deletedUnreferenced: number;
  readonly unreferencedStarted: number;
  readonly unreferencedStopped: number;
  readonly staleTemporaryFiles: number;
};

export async function runBlobGc(deps: BlobsDeps): Promise<BlobGcReport> {
  const now = deps.now();
  const { config } = deps;

  let expiredReservations = 0;
  for (const id of await findExpiredReservationIds(deps.db, now - config.reservationTtlMs, BATCH)) {
    if (await deleteBlob(deps, id, (blob) => blob.state === 'reserved')) expiredReservations += 1;
  }

  const { started, stopped } = await updateUnreferencedSince(deps.db, now);
  let deletedUnreferenced = 0;
  for (const id of await findUnreferencedBlobIds(deps.db, now - config.unreferencedGraceMs, BATCH)) {
    if (await deleteBlob(deps, id, (blob) => blob.state === 'committed', { recheckReferences: true })) {
      deletedUnreferenced += 1;
    }
  }

  // Temporary files of killed filesystem uploads (see [Note: Atomic blob files]).
  const store = deps.stores.defaultStore;
  const staleTemporaryFiles =
    'removeStaleTemporaryFiles' in store && typeof store.removeStaleTemporaryFiles === 'function'
      ? await store.removeStaleTemporaryFiles(new Date(now - config.reservationTtlMs))
      : 0;

  return {
    expiredReservations,
    deletedUnreferenced,
    unreferencedStarted: started,
    unreferencedStopped: stopped,
    staleTemporaryFiles,
  };
}

/** Deletes the blob's bytes and row, if it still qualifies under lock; answers whether it did. */
async function deleteBlob(
  deps: BlobsDeps,
  id: string,
  stillGarbage: (blob: { readonly state: string }) => boolean,
  options: { readonly recheckReferences?: boolean } = {},
): Promise<boolean> {
  const unlocked = await findBlob(deps.db, id);
  if (!unlocked) return false;
  return deps.db.transaction().execute(async (trx) => {
    await lockQuota(trx, unlocked.owner_id);
    const blob = await findBlobForUpdate(trx, id);
    if (!blob || !stillGarbage(blob)) return false;
    if (options.recheckReferences && (await hasLiveReference(trx, id))) return false;
    const store = await storeOf(deps, blob);
    // Bytes first, row last: if the store fails, the row stays and the next run tries again.
    if (blob.multipart_upload_id && isDirectUploadStore(store)) {
      await store.abortMultipartUpload(blob.storage_key, blob.multipart_upload_id);
    }
    await store.delete(blob.storage_key);
    await deleteBlobRow(trx, id);
    if (blob.state === 'committed') await addUsedBytes(trx, blob.owner_id, -blob.size);
    return true;
  });
}

/** Runs the GC every `intervalMs`, never two runs at once; the returned function stops it (awaiting a run). */
export function startBlobGc(
  deps: BlobsDeps,
  options: {
    readonly intervalMs: number;
    readonly onReport: (report: BlobGcReport) => void;
    readonly onError: (error: unknown) => void;
  },
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = runBlobGc(deps)
      .then(options.onReport, options.onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
