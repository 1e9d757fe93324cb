/**
 * @module The upload queue: files in, photo records out. Each file is prepared (prepare.ts), its blobs are sent
 * with bounded concurrency (send-blob.ts), retried with backoff, and its photo record is written to the library
 * only once every blob is committed, so no device ever sees a photo whose bytes are missing. Jobs persist sealed in
 * the local store (upload-state.ts): after a reload `start()` picks them up; after a lost network they wait and
 * go when it returns. Progress events per file and per batch; pause, resume, cancel and retry.
 */
import { type BlobKey, base64ToBytes, type ContentHashKey, encryptBlob } from '../crypto';
import type { NewPhoto } from '../library/library';
import { abortableSleep, backoffDelay, type NetworkStatus } from '../sync/runner';
import type { TransportError } from '../sync/transport';
import { type BlobApi, isRetryableBlobError } from './blob-api';
import { type FileSource, PREPARE_IN_MEMORY_BYTES, readIntoMemory } from './file-source';
import { contentHashOfSource, prepareJob } from './prepare';
import { sendBlobs } from './send-blob';
import type { ThumbnailMaker } from './thumbnails';
import type { BlobPlan, UploadFailure, UploadJob } from './upload-job';
import { openJob, sealJob, type UploadStateStore } from './upload-state';

export type FileStatus =
  | 'preparing'
  | 'waiting'
  | 'sending'
  /** Every blob is committed; the record is being written. */
  | 'saving'
  | 'done'
  /** The same photo is in the library already: attached, not uploaded again. */
  | 'duplicate'
  | 'failed'
  | 'cancelled';

export interface FileProgress {
  readonly jobId: string;
  readonly batchId: string;
  readonly fileName: string;
  readonly status: FileStatus;
  /** Ciphertext bytes committed or on their way, of all this file's blobs. */
  readonly sentBytes: number;
  readonly totalBytes: number;
  /** Set when done or duplicate. */
  readonly photoId: string | null;
  readonly failure: UploadFailure | null;
}

export interface BatchProgress {
  readonly batchId: string;
  readonly files: number;
  readonly finished: number;
  readonly failed: number;
  readonly sentBytes: number;
  readonly totalBytes: number;
}

export type UploadEvent =
  | ({ readonly type: 'file' } & FileProgress)
  | ({ readonly type: 'batch' } & BatchProgress);

export interface UploaderDeps {
  readonly api: BlobApi;
  readonly state: UploadStateStore;
  /** Seals jobs at rest; derived from the master key so a reload can open them. */
  readonly stateKey: BlobKey;
  readonly contentHashKey: ContentHashKey;
  readonly thumbnails: ThumbnailMaker;
  /** Writes the photo records (the library's addPhotos): one call per group of finished files. */
  readonly addPhotos: (photos: readonly NewPhoto[]) => Promise<readonly string[]>;
  /** The photo already in the library with this keyed content hash, if any. */
  readonly findPhotoByContentHash: (contentHash: string) => string | undefined;
  /** Opens a file again by its `reopenRef` after a restart (Node: fileSourceFromPath). */
  readonly reopen?: (ref: string) => Promise<FileSource | undefined>;
  /** When given, the network's return ends every backoff wait at once (retryNow), not up to retryMaxMs later. */
  readonly network?: NetworkStatus;
  /** Called after records were written, e.g. to ask the sync runner for a push. */
  readonly onPhotosAdded?: (photoIds: readonly string[]) => void;
  /**
   * Stream request bodies to the server's own upload endpoint (Node with createNodeUploadFetch, or a browser whose
   * server speaks HTTP/2). Default false: each blob is gathered into a Blob first, which any fetch can send.
   */
  readonly streamBodies?: boolean;
  /** Files sending at once. */
  readonly concurrency?: number;
  /**
   * Files prepared at once (hashing, decoding, thumbnails and encryption are CPU-bound; sending overlaps them).
   * Each holds one decoded image at most.
   */
  readonly prepareConcurrency?: number;
  /** Attempts for an error that is not the network being down (which waits for it indefinitely). */
  readonly maxAttempts?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly newId?: () => string;
  readonly now?: () => number;
  readonly random?: () => number;
}

interface Entry {
  job: UploadJob | null;
  readonly jobId: string;
  readonly batchId: string;
  readonly fileName: string;
  source: FileSource | undefined;
  /**
   * The file as read while it was prepared, and its staged ciphertexts, kept to be sent from memory until the
   * job is committed (or stops): the file is read from disk once. See: [Note: Prepared just in time]
   */
  held: { readonly source: FileSource; readonly staged: ReadonlyMap<string, Uint8Array> } | null;
  status: FileStatus;
  /** Ciphertext bytes of committed blobs, plus the bytes of the blob being sent. */
  committedBytes: number;
  inFlightBytes: number;
  totalBytes: number;
  photoId: string | null;
  failure: UploadFailure | null;
  controller: AbortController | null;
  /** What this file last added to its batch's counts (see `recount`); null before its first event. */
  counted: {
    readonly busy: boolean;
    readonly files: number;
    readonly finished: number;
    readonly failed: number;
    readonly sentBytes: number;
    readonly totalBytes: number;
  } | null;
}

const quotaProblem = (error: TransportError) =>
  error.type === 'ProblemResponse' && error.problem.code === 'quota_exceeded';

/** Why a file failed: a retryable error (5xx, 429, an expired presigned URL) only fails once attempts ran out. */
const failureOf = (error: TransportError): UploadFailure => {
  if (error.type === 'NetworkFailure') return { type: 'TooManyAttempts', detail: error.message };
  const detail =
    error.type === 'ProblemResponse' ? (error.problem.detail ?? error.problem.title) : error.reason;
  if (isRetryableBlobError(error)) return { type: 'TooManyAttempts', detail: `${error.status}: ${detail}` };
  if (quotaProblem(error)) return { type: 'QuotaExceeded', detail };
  const code = error.type === 'ProblemResponse' ? error.problem.code : 'invalid_response';
  return { type: 'Refused', status: error.status, code, detail };
};

const photoOf = (job: UploadJob): NewPhoto => {
  const blobId = (role: BlobPlan['role']) => job.blobs.find((b) => b.role === role)?.id ?? null;
  const { location, ...immutable } = job.photo;
  return {
    ...immutable,
    blobs: { original: blobId('original')!, thumbnail: blobId('thumbnail'), preview: blobId('preview') },
    location,
  };
};

export const createUploader = (deps: UploaderDeps) => {
  const concurrency = deps.concurrency ?? 3;
  const maxAttempts = deps.maxAttempts ?? 6;
  const retryBaseMs = deps.retryBaseMs ?? 500;
  const retryMaxMs = deps.retryMaxMs ?? 30_000;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;

  const entries = new Map<string, Entry>();
  const listeners = new Set<(event: UploadEvent) => void>();
  const idleWaiters = new Set<() => void>();
  let paused = false;
  let closed = false;
  let sending = 0;
  /** Preparations and sends under way, which `close()` waits for. */
  const inFlight = new Set<Promise<void>>();
  const tracked = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  };
  /** Shortens every backoff wait to now: the network came back, or the user pressed retry. */
  let wake = new AbortController();
  const retryNow = () => {
    wake.abort();
    wake = new AbortController();
    pump();
  };
  const stopWatchingNetwork = deps.network?.onChange((online) => {
    if (online) retryNow();
  });
  /** Files waiting to be prepared, and how many are being prepared now. */
  const toPrepare: Array<() => Promise<void>> = [];
  let preparingNow = 0;
  const prepareConcurrency = deps.prepareConcurrency ?? 2;
  /**
   * [Note: Prepared just in time]
   * A file is prepared (read, hashed, thumbnailed, its thumbnails sealed) while earlier files are sent, and what
   * was read stays in memory until its job is committed, so the original is not read from disk again to be
   * encrypted. Preparing stops while `concurrency + prepareConcurrency` prepared files hold their bytes and wait:
   * memory stays bounded (each at most PREPARE_IN_MEMORY_BYTES) however many files are queued, and preparation
   * runs only as far ahead of the sending as keeps it busy. The job is persisted (and its thumbnails staged)
   * before any of it is sent, so a crash loses nothing held only here.
   */
  let holding = 0;
  const maxHolding = () => concurrency + prepareConcurrency;
  const release = (entry: Entry) => {
    if (!entry.held) return;
    entry.held = null;
    holding--;
    pumpPrepare();
  };
  const pumpPrepare = () => {
    while (
      preparingNow < prepareConcurrency &&
      preparingNow + holding < maxHolding() &&
      toPrepare.length > 0 &&
      !closed
    ) {
      const next = toPrepare.shift()!;
      preparingNow++;
      void tracked(next()).finally(() => {
        preparingNow--;
        pumpPrepare();
      });
    }
  };
  let saving: Promise<void> = Promise.resolve();
  /** Content hashes queued in this session, so a file chosen twice is uploaded once. */
  const queuedHashes = new Map<string, string>();

  const progressOf = (e: Entry): FileProgress => ({
    jobId: e.jobId,
    batchId: e.batchId,
    fileName: e.fileName,
    status: e.status,
    sentBytes: e.committedBytes + e.inFlightBytes,
    totalBytes: e.totalBytes,
    photoId: e.photoId,
    failure: e.failure,
  });
  /**
   * Each batch's counts, and how many files are busy, kept up to date as files change (at each `emit`), so an
   * event costs the same in a batch of ten thousand files as in one of ten: they were counted over every file at
   * every event, which grew with the square of the batch.
   */
  type BatchCounts = { -readonly [K in Exclude<keyof BatchProgress, 'batchId'>]: BatchProgress[K] };
  const batches = new Map<string, BatchCounts>();
  let busyFiles = 0;
  const isFinished = (e: Entry) => ['done', 'duplicate', 'cancelled'].includes(e.status);
  const contributionOf = (e: Entry): Entry['counted'] => ({
    busy: isBusy(e),
    files: 1,
    finished: isFinished(e) ? 1 : 0,
    failed: e.status === 'failed' ? 1 : 0,
    sentBytes: e.committedBytes + e.inFlightBytes,
    totalBytes: e.totalBytes,
  });
  /** Takes the entry's last counted state out of its batch's counts, and puts `next` in. */
  const recount = (e: Entry, next: Entry['counted']) => {
    const batch: BatchCounts = batches.get(e.batchId) ?? {
      files: 0,
      finished: 0,
      failed: 0,
      sentBytes: 0,
      totalBytes: 0,
    };
    const add = (c: NonNullable<Entry['counted']>, sign: number) => {
      busyFiles += c.busy ? sign : 0;
      batch.files += sign * c.files;
      batch.finished += sign * c.finished;
      batch.failed += sign * c.failed;
      batch.sentBytes += sign * c.sentBytes;
      batch.totalBytes += sign * c.totalBytes;
    };
    if (e.counted) add(e.counted, -1);
    if (next) add(next, 1);
    e.counted = next;
    if (batch.files === 0) batches.delete(e.batchId);
    else batches.set(e.batchId, batch);
  };
  /** Removes an entry from the queue and from its batch's counts. */
  const untrack = (e: Entry) => {
    entries.delete(e.jobId);
    recount(e, null);
  };
  const batchOf = (batchId: string): BatchProgress => ({
    batchId,
    ...(batches.get(batchId) ?? { files: 0, finished: 0, failed: 0, sentBytes: 0, totalBytes: 0 }),
  });
  const emit = (entry: Entry) => {
    if (entries.get(entry.jobId) === entry) recount(entry, contributionOf(entry));
    if (listeners.size > 0) {
      const file = { type: 'file', ...progressOf(entry) } as const;
      const batch = { type: 'batch', ...batchOf(entry.batchId) } as const;
      for (const listener of listeners) {
        listener(file);
        listener(batch);
      }
    }
    if (!isBusy(entry)) checkIdle();
  };
  const isBusy = (e: Entry) => ['preparing', 'waiting', 'sending', 'saving'].includes(e.status);
  const checkIdle = () => {
    if (busyFiles > 0) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters.clear();
  };

  /** One write at a time, so a job's older state (fewer stored parts) never lands after a newer one. */
  let persisting: Promise<void> = Promise.resolve();
  const persist = (job: UploadJob) => {
    const written = persisting.then(async () => deps.state.putJob(await sealJob(deps.stateKey, job)));
    persisting = written.catch(() => {});
    return written;
  };
  const forget = async (job: UploadJob) => {
    for (const blob of job.blobs) if (blob.staged) await deps.state.deleteStaged(blob.id);
    await deps.state.deleteJob(job.id);
  };

  const openCiphertext = (entry: Entry, job: UploadJob, blob: BlobPlan): AsyncIterable<Uint8Array> => {
    const held = entry.held?.staged.get(blob.id);
    if (held)
      return (async function* () {
        yield held;
      })();
    if (blob.staged) return deps.state.readStaged(blob.id);
    const source = entry.held?.source ?? entry.source;
    if (!source) throw new Error('an unstaged blob without its source');
    const fileKey = base64ToBytes(job.photo.fileKey) as BlobKey;
    const options = blob.noncePrefix ? { noncePrefix: base64ToBytes(blob.noncePrefix) } : {};
    return encryptBlob(fileKey, source.stream(), source.size, options);
  };

  /**
   * Sends the job's uncommitted blobs together (one reservation, one commit); answers null when all are committed,
   * else why it stopped.
   */
  const sendJob = async (
    entry: Entry,
    job: UploadJob,
    signal: AbortSignal,
  ): Promise<TransportError | 'aborted' | null> => {
    const pending = job.blobs.filter((b) => !b.committed);
    const inFlightByBlob = new Map<string, number>();
    const sent = await sendBlobs({
      api: deps.api,
      plans: pending,
      open: (blob) => openCiphertext(entry, job, blob),
      signal,
      streamBodies: deps.streamBodies ?? false,
      onProgress: (blob, bytes) => {
        inFlightByBlob.set(blob.id, bytes);
        entry.inFlightBytes = [...inFlightByBlob.values()].reduce((a, b) => a + b, 0);
        emit(entry);
      },
      onPartsChanged: () => persist(job),
    });
    entry.inFlightBytes = 0;
    if (!sent.ok) return signal.aborted ? 'aborted' : sent.error;
    // Kept even when stopped meanwhile (close() may abort between the commit's answer and here): the server holds
    // these blobs, so the next run must not reserve and send them again.
    for (const blob of pending) {
      blob.committed = true;
      entry.committedBytes += blob.cipherSize;
    }
    release(entry);
    await persist(job);
    emit(entry);
    return signal.aborted ? 'aborted' : null;
  };

  const runJob = async (entry: Entry) => {
    const job = entry.job!;
    const controller = new AbortController();
    entry.controller = controller;
    entry.status = 'sending';
    emit(entry);
    let attempt = 0;
    for (;;) {
      const stopped = await sendJob(entry, job, controller.signal);
      if (stopped === null) break;
      if (stopped === 'aborted' || controller.signal.aborted) return; // paused, cancelled or closed
      const networkDown = stopped.type === 'NetworkFailure';
      attempt++;
      if (!isRetryableBlobError(stopped) || (!networkDown && attempt >= maxAttempts)) {
        release(entry); // a retry reads the file again
        entry.status = 'failed';
        entry.failure = failureOf(stopped);
        job.failure = entry.failure;
        await persist(job);
        emit(entry);
        return;
      }
      entry.status = 'waiting';
      emit(entry);
      await abortableSleep(
        backoffDelay(attempt, random, retryBaseMs, retryMaxMs),
        AbortSignal.any([controller.signal, wake.signal]),
      );
      if (controller.signal.aborted) return;
      entry.status = 'sending';
      emit(entry);
    }
    entry.controller = null;
    // Closed (the vault is being locked): the job stays queued with its blobs committed; the next run writes it.
    if (closed) return;
    entry.status = 'saving';
    emit(entry);
    // The sending slot is free from here: the next file's upload starts while the records are written.
    saving = saving.catch(() => {}).then(() => saveFinished());
    void tracked(saving);
  };

  /** Writes the records of every job whose blobs are all committed, in one library write. */
  const saveFinished = async () => {
    if (closed) return; // See runJob: the next run writes these records.
    const ready = [...entries.values()].filter((e) => e.status === 'saving' && e.job);
    if (ready.length === 0) return;
    const fresh: Entry[] = [];
    for (const entry of ready) {
      // A record written before a crash, whose job was not yet forgotten: do not write it twice.
      const existing = deps.findPhotoByContentHash(entry.job!.photo.contentHash);
      if (existing) entry.photoId = existing;
      else fresh.push(entry);
    }
    const ids = await deps.addPhotos(fresh.map((e) => photoOf(e.job!)));
    fresh.forEach((entry, i) => {
      entry.photoId = ids[i]!;
    });
    for (const entry of ready) {
      await forget(entry.job!);
      entry.job = null;
      entry.source = undefined;
      entry.status = 'done';
      emit(entry);
    }
    if (ids.length > 0) deps.onPhotosAdded?.(ids);
  };

  const pump = () => {
    if (paused || closed) return;
    for (const entry of entries.values()) {
      if (sending >= concurrency) return;
      if (entry.status !== 'waiting' || entry.controller || entry.failure) continue;
      sending++;
      void tracked(runJob(entry)).finally(() => {
        sending--;
        entry.controller = null;
        pump();
      });
    }
  };

  const track = (job: UploadJob, source: FileSource | undefined, held: Entry['held'] = null): Entry => {
    if (held) holding++;
    const entry: Entry = {
      job,
      jobId: job.id,
      batchId: job.batchId,
      fileName: job.photo.fileName,
      source,
      held,
      status: job.failure ? 'failed' : 'waiting',
      committedBytes: job.blobs.filter((b) => b.committed).reduce((s, b) => s + b.cipherSize, 0),
      inFlightBytes: 0,
      totalBytes: job.blobs.reduce((s, b) => s + b.cipherSize, 0),
      photoId: null,
      failure: job.failure,
      controller: null,
      counted: null,
    };
    entries.set(job.id, entry);
    return entry;
  };

  const prepareOne = async (batchId: string, source: FileSource, placeholder: Entry) => {
    // Hash, type, EXIF and thumbnails all read the file: a photo is read from disk once for all of them.
    const local = source.size <= PREPARE_IN_MEMORY_BYTES ? await readIntoMemory(source) : source;
    const contentHash = await contentHashOfSource(deps.contentHashKey, local);
    if (closed) return; // nothing of it is kept yet: the file is chosen again after the unlock
    const existing = deps.findPhotoByContentHash(contentHash) ?? queuedHashes.get(contentHash);
    if (existing !== undefined) {
      placeholder.status = 'duplicate';
      placeholder.photoId = deps.findPhotoByContentHash(contentHash) ?? null;
      emit(placeholder);
      return;
    }
    queuedHashes.set(contentHash, placeholder.jobId);
    const { job, stagedBytes } = await prepareJob(
      { state: deps.state, contentHashKey: deps.contentHashKey, thumbnails: deps.thumbnails, newId, now },
      local,
      contentHash,
      batchId,
    );
    await persist(job);
    if (closed) return; // prepared and kept: the next run sends it
    untrack(placeholder);
    if (placeholder.status === 'cancelled') {
      await forget(job);
      return;
    }
    const entry = track(job, source, { source: local, staged: stagedBytes });
    emit(entry);
    pump();
  };

  return {
    subscribe(listener: (event: UploadEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Picks up the jobs a previous run left (after a reload or a crash). Call once, before `add`. */
    async start(): Promise<void> {
      for (const sealed of await deps.state.listJobs()) {
        const job = await openJob(deps.stateKey, sealed);
        if (!job || entries.has(job.id)) continue;
        let source: FileSource | undefined;
        const original = job.blobs.find((b) => b.role === 'original')!;
        if (!original.staged && !original.committed) {
          source = job.sourceRef && deps.reopen ? await deps.reopen(job.sourceRef) : undefined;
          const changed =
            !source ||
            source.size !== original.plainSize ||
            (job.sourceModifiedAt !== undefined && source.lastModified !== job.sourceModifiedAt);
          if (changed) {
            job.failure = { type: 'SourceGone', detail: `${job.photo.fileName} cannot be read again` };
            await persist(job);
          }
        }
        queuedHashes.set(job.photo.contentHash, job.id);
        emit(track(job, source));
      }
      pump();
    },

    /** Queues files as one batch; answers the batch id at once (progress comes as events). */
    add(sources: readonly FileSource[]): string {
      if (closed) throw new Error('uploader closed');
      const batchId = newId();
      for (const source of sources) {
        const placeholder: Entry = {
          job: null,
          jobId: newId(),
          batchId,
          fileName: source.name,
          source: undefined,
          held: null,
          status: 'preparing',
          committedBytes: 0,
          inFlightBytes: 0,
          totalBytes: 0,
          photoId: null,
          failure: null,
          controller: null,
          counted: null,
        };
        entries.set(placeholder.jobId, placeholder);
        emit(placeholder);
        toPrepare.push(() =>
          prepareOne(batchId, source, placeholder).catch((error: unknown) => {
            placeholder.status = 'failed';
            placeholder.failure = {
              type: 'SourceGone',
              detail: error instanceof Error ? error.message : String(error),
            };
            emit(placeholder);
          }),
        );
      }
      pumpPrepare();
      return batchId;
    },

    files(): readonly FileProgress[] {
      return [...entries.values()].map(progressOf);
    },
    batch: batchOf,

    /** Resolves when nothing is preparing, waiting or sending (failed files wait for `retry`). */
    whenIdle(): Promise<void> {
      return new Promise((resolve) => {
        idleWaiters.add(resolve);
        checkIdle();
      });
    },

    /** Stops sending (what is in flight is abandoned and sent again on resume); preparing goes on. */
    pause() {
      paused = true;
      for (const entry of entries.values()) {
        if (!entry.controller) continue;
        entry.controller.abort();
        entry.controller = null;
        entry.inFlightBytes = 0;
        if (entry.status === 'sending') entry.status = 'waiting';
        emit(entry);
      }
    },
    resume() {
      paused = false;
      pump();
    },
    /** The network is back (or the user insists): end every backoff wait now. */
    retryNow,
    /** Sends a failed file again. */
    async retry(jobId: string) {
      const entry = entries.get(jobId);
      if (!entry?.job || entry.status !== 'failed') return;
      entry.failure = null;
      entry.job.failure = null;
      await persist(entry.job);
      entry.status = 'waiting';
      emit(entry);
      pump();
    },
    /** Drops a file from the queue; what it reserved on the server is collected when the reservation expires. */
    async cancel(jobId: string) {
      const entry = entries.get(jobId);
      if (!entry || (!isBusy(entry) && entry.status !== 'failed')) return;
      entry.controller?.abort();
      entry.controller = null;
      if (entry.status === 'saving') return; // too late: the record is being written
      release(entry);
      if (entry.job) await forget(entry.job);
      entry.job = null;
      entry.status = 'cancelled';
      emit(entry);
      pump();
    },
    /**
     * Stops everything without forgetting anything (lock, log out, or a test's simulated crash). Settles once the
     * work in flight has stopped: no record is written and nothing is stored after that. A file being prepared is
     * kept as a job if its preparation got that far; a job whose blobs are all committed keeps waiting for its
     * record, which the next run writes. A record already being written when `close()` is called is awaited.
     */
    async close(): Promise<void> {
      closed = true;
      stopWatchingNetwork?.();
      for (const entry of entries.values()) {
        entry.controller?.abort();
        release(entry);
      }
      listeners.clear();
      await Promise.allSettled([...inFlight]);
      await persisting;
    },
  };
};

export type Uploader = ReturnType<typeof createUploader>;
