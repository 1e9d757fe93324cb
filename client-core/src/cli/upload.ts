/**
 * @module `halyon upload <files or folders...> [--album NAME] [--tag NAME]`: the Node upload pipeline
 * (docs/uploads.md) with its queue kept in $HALYON_HOME/uploads, so a rerun after Ctrl-C, a crash or a lost
 * network sends only what is missing: committed blobs are not sent again, and files already in the library are
 * reported as duplicates. Results go to stdout, progress to stderr.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deriveContentHashKey } from '../crypto';
import { deriveUploadStateKey } from '../library/derived-keys';
import { err, ok, type Result } from '../result';
import { createFetchBlobApi } from '../upload/blob-api';
import { createContentHashLookup } from '../upload/content-hash-lookup';
import { createNodeThumbnailMaker, createNodeUploadFetch, fileSourceFromPath } from '../upload/node';
import type { UploadFailure } from '../upload/upload-job';
import { createUploader, type FileProgress } from '../upload/uploader';
import { findOrCreate } from './library-commands';
import { uploadsPath } from './session';
import { type CliIo, type ExitCode, fail, printable, syncOrFail, withClient } from './signed-in';
import { openUploadQueueFiles } from './upload-queue-files';

export interface UploadOptions {
  readonly album?: string | undefined;
  readonly tag?: string | undefined;
}

const DEFAULT_OFFLINE_PATIENCE_MS = 60_000;
const PROGRESS_EVERY_MS = 200;

/** The files named, folders walked (hidden entries and symbolic links inside them skipped), in a stable order. */
export const collectFiles = async (paths: readonly string[]): Promise<Result<string[], string>> => {
  const files: string[] = [];
  const walk = async (dir: string) => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  for (const given of paths) {
    const path = resolve(given);
    const info = await stat(path).catch(() => null);
    if (!info) return err(`cannot read ${printable(given)}`);
    if (info.isDirectory()) await walk(path);
    else if (info.isFile()) files.push(path);
    else return err(`not a file or folder: ${printable(given)}`);
  }
  return ok(files);
};

const describeFailure = (failure: UploadFailure | null): string => {
  if (!failure) return 'unknown';
  switch (failure.type) {
    case 'QuotaExceeded':
      return `storage quota exceeded (${failure.detail})`;
    case 'Refused':
      return `refused by the server (${failure.status} ${failure.code}: ${failure.detail})`;
    case 'SourceGone':
      return `cannot be read (${failure.detail})`;
    case 'TooManyAttempts':
      return `gave up after repeated errors (${failure.detail})`;
  }
};

const causeOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
};

/**
 * A fetch that notices the network being down: the queue waits for it indefinitely (right for an app left open),
 * but a command must end, so after `patienceMs` without any answer `down` resolves with the reason.
 */
const watchNetwork = (inner: typeof fetch, patienceMs: number, now: () => number) => {
  let downSince: number | null = null;
  let giveUp: (reason: string) => void = () => {};
  const down = new Promise<string>((resolve) => {
    giveUp = resolve;
  });
  const watched: typeof fetch = async (input, init) => {
    try {
      const answer = await inner(input, init);
      downSince = null;
      return answer;
    } catch (error) {
      if (!init?.signal?.aborted) {
        downSince ??= now();
        if (now() - downSince >= patienceMs) giveUp(causeOf(error));
      }
      throw error;
    }
  };
  return { fetch: watched, down };
};

const isBusy = (file: FileProgress) => ['preparing', 'waiting', 'sending', 'saving'].includes(file.status);

const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MiB).toFixed(1);

export const upload = async (
  io: CliIo,
  paths: readonly string[],
  options: UploadOptions = {},
): Promise<ExitCode> => {
  if (paths.length === 0) return fail(io, 'name at least one file or folder to upload');
  const files = await collectFiles(paths);
  if (!files.ok) return fail(io, files.error);
  return withClient(io, async ({ client, session, masterKey, accessToken, save }) => {
    const { library } = client;
    const now = io.now ?? Date.now;
    // The library first: de-duplication compares with it, and records an interrupted run left are sent now.
    if (!(await syncOrFail(io, client, 'cannot start the upload: '))) return 1;

    const network = watchNetwork(
      createNodeUploadFetch(io.fetch),
      io.offlinePatienceMs ?? DEFAULT_OFFLINE_PATIENCE_MS,
      now,
    );
    const uploader = createUploader({
      api: createFetchBlobApi({ baseUrl: session.server, accessToken, fetch: network.fetch }),
      state: await openUploadQueueFiles(uploadsPath(io.home)),
      stateKey: deriveUploadStateKey(masterKey),
      contentHashKey: await deriveContentHashKey(masterKey),
      thumbnails: createNodeThumbnailMaker(),
      // Saved before the queue forgets the job: a crash right after must find the photo, not upload it again.
      addPhotos: async (photos) => {
        const ids = await library.addPhotos(photos);
        await save();
        return ids;
      },
      findPhotoByContentHash: createContentHashLookup(library, client.engine),
      reopen: (path) => fileSourceFromPath(path).catch(() => undefined),
      streamBodies: true,
      ...(io.retryBaseMs !== undefined ? { retryBaseMs: io.retryBaseMs } : {}),
      ...(io.retryMaxMs !== undefined ? { retryMaxMs: io.retryMaxMs } : {}),
    });

    const photoIds = new Set<string>();
    const counts = { uploaded: 0, duplicates: 0, failed: 0 };
    const reported = new Set<string>();
    /** While starting, failures are an earlier run's: they are tried again before they count. */
    let starting = true;
    const report = (file: FileProgress) => {
      if (reported.has(file.jobId) || (starting && file.status === 'failed')) return;
      const name = printable(file.fileName);
      if (file.status === 'done' && file.photoId) {
        counts.uploaded++;
        photoIds.add(file.photoId);
        io.print(`uploaded\t${file.photoId}\t${name}`);
      } else if (file.status === 'duplicate' && file.photoId) {
        counts.duplicates++;
        photoIds.add(file.photoId);
        io.print(`duplicate\t${file.photoId}\t${name}`);
      } else if (file.status === 'failed') {
        counts.failed++;
        io.printError(`failed: ${name}: ${describeFailure(file.failure)}`);
      } else {
        // A duplicate without a photo is a file already queued in this run (given twice, or resumed).
        return;
      }
      reported.add(file.jobId);
    };
    let lastProgressAt = 0;
    const showProgress = () => {
      if (!io.progress || now() - lastProgressAt < PROGRESS_EVERY_MS) return;
      lastProgressAt = now();
      const all = uploader.files();
      const done = all.filter((f) => !isBusy(f));
      const sent = all.reduce((sum, f) => sum + f.sentBytes, 0);
      const total = all.reduce((sum, f) => sum + f.totalBytes, 0);
      io.progress(`${done.length}/${all.length} files, ${mib(sent)} of ${mib(total)} MiB sent`);
    };
    uploader.subscribe((event) => {
      if (event.type === 'file') report(event);
      showProgress();
    });

    // Jobs an interrupted run left carry on first; those that failed are tried again.
    await uploader.start();
    const resumed = uploader.files();
    if (resumed.length > 0) io.printError(`resuming ${resumed.length} file(s) from an earlier run`);
    for (const file of resumed) {
      if (file.status !== 'failed') continue;
      if (file.failure?.type !== 'SourceGone') {
        await uploader.retry(file.jobId);
        continue;
      }
      await uploader.cancel(file.jobId);
      io.printError(`dropped: ${printable(file.fileName)}: ${describeFailure(file.failure)}`);
    }
    starting = false;
    // What failed while starting up, and anything failed that no event has reported.
    for (const file of uploader.files()) report(file);
    uploader.add(await Promise.all(files.value.map((path) => fileSourceFromPath(path))));

    const interrupted = new Promise<'interrupted'>((resolve) => {
      if (io.signal?.aborted) resolve('interrupted');
      io.signal?.addEventListener('abort', () => resolve('interrupted'), { once: true });
    });
    const ended = await Promise.race([
      uploader.whenIdle().then(() => 'idle' as const),
      network.down.then((reason) => ({ reason })),
      interrupted,
    ]);
    // Before the vault is locked: close() settles once nothing is being prepared or written any more, and leaves
    // what is unfinished queued for the rerun.
    await uploader.close();
    for (const file of uploader.files()) report(file);
    io.progress?.('');
    const unfinished = uploader.files().filter(isBusy).length;
    if (ended === 'interrupted') {
      io.printError(
        `interrupted: ${unfinished} file(s) not sent yet; run the same command again to send them`,
      );
      return 130;
    }
    if (ended !== 'idle') {
      return fail(
        io,
        `cannot reach the server at ${session.server} (${ended.reason}): ${unfinished} file(s) not sent; run the same command again to send them`,
      );
    }

    for (const [what, name] of [
      ['album', options.album],
      ['tag', options.tag],
    ] as const) {
      if (name === undefined || photoIds.size === 0) continue;
      const id = await findOrCreate(client, what, name);
      if (!id.ok) return fail(io, id.error);
      if (what === 'album') await library.addToAlbum(id.value, [...photoIds]);
      else await library.tagPhotos(id.value, [...photoIds]);
    }
    if (
      !(await syncOrFail(
        io,
        client,
        'uploaded, but the photos are not listed on the server yet (run halyon sync): ',
      ))
    )
      return 1;
    io.print(
      `${counts.uploaded} uploaded, ${counts.duplicates} already in the library, ${counts.failed} failed`,
    );
    if (counts.failed > 0)
      return fail(io, `${counts.failed} file(s) failed; run the same command again to retry them`);
    return 0;
  });
};
