/**
 * @module `halyon download <photo-id...> [--out DIR]` and `halyon export [--out DIR] [--album NAME|--tag NAME]`:
 * originals stream-decrypted into a folder under their own (sanitised) file names. This is the user's own
 * plaintext copy, on purpose; each file appears whole or not at all (export-files.ts). Exporting again skips every
 * photo whose bytes are already in the folder (found by size, then by the keyed content hash every photo carries),
 * so an export is incremental and a renamed or edited file is exported afresh rather than overwritten.
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  BlobDecryptError,
  bytesToBase64,
  type ContentHashKey,
  contentHashOf,
  deriveContentHashKey,
} from '../crypto';
import { downloadOriginal } from '../download/download';
import { describeSignInError } from '../library/account';
import type { HalyonClient } from '../library/client';
import type { PhotoView } from '../library/queries';
import { err, ok, type Result } from '../result';
import { chunksOf } from '../streams';
import { createFetchBlobApi } from '../upload/blob-api';
import {
  createNameAllocator,
  listFiles,
  removeLeftovers,
  SizeMismatchError,
  safeFileName,
  writeFileAtomically,
} from './export-files';
import { type ListOptions, selectPhotos } from './library-commands';
import { type CliIo, type ExitCode, fail, printable, syncOrFail, withClient } from './signed-in';

export interface ExportOptions extends Pick<ListOptions, 'album' | 'tag'> {
  /** The folder; the current one by default. */
  readonly out?: string | undefined;
}

/** Finds, among the folder's files, one holding exactly this photo's bytes (hashing only files of its size). */
const createContentMatcher = (dir: string, files: ReadonlyMap<string, number>, key: ContentHashKey) => {
  const namesBySize = new Map<number, string[]>();
  const hashByName = new Map<string, string>();
  const note = (name: string, size: number) =>
    namesBySize.set(size, [...(namesBySize.get(size) ?? []), name]);
  for (const [name, size] of files) note(name, size);
  return {
    async find(photo: PhotoView): Promise<string | undefined> {
      for (const name of namesBySize.get(photo.size) ?? []) {
        let hash = hashByName.get(name);
        if (hash === undefined) {
          hash = bytesToBase64(await contentHashOf(key, createReadStream(join(dir, name))));
          hashByName.set(name, hash);
        }
        if (hash === photo.contentHash) return name;
      }
      return undefined;
    },
    added(name: string, photo: PhotoView) {
      note(name, photo.size);
      hashByName.set(name, photo.contentHash);
    },
  };
};

const writeFailure = (error: unknown): { reason: string; offline: boolean } => {
  if (error instanceof BlobDecryptError)
    return { reason: 'the stored bytes do not open with its key (tampered with?)', offline: false };
  if (error instanceof SizeMismatchError)
    return { reason: `wrong length (${error.message})`, offline: false };
  if (error instanceof TypeError)
    return { reason: `the connection failed (${error.message})`, offline: true };
  return { reason: error instanceof Error ? error.message : String(error), offline: false };
};

/** Writes each photo's original into `out`, skipping those already there; answers the exit code. */
const exportPhotos = (
  io: CliIo,
  choose: (client: HalyonClient) => Result<readonly PhotoView[], string>,
  options: ExportOptions,
): Promise<ExitCode> =>
  withClient(io, async ({ client, session, masterKey, accessToken }) => {
    if (!(await syncOrFail(io, client, 'cannot reach the library: '))) return 1;
    const selected = choose(client);
    if (!selected.ok) return fail(io, selected.error);
    const dir = resolve(options.out ?? '.');
    await mkdir(dir, { recursive: true });
    await removeLeftovers(dir);
    const files = await listFiles(dir);
    const matcher = createContentMatcher(dir, files, await deriveContentHashKey(masterKey));
    const nextName = createNameAllocator(files.keys());
    const api = createFetchBlobApi({
      baseUrl: session.server,
      accessToken,
      ...(io.fetch ? { fetch: io.fetch } : {}),
    });
    const counts = { exported: 0, unchanged: 0, failed: 0 };
    const total = selected.value.length;

    for (const [index, photo] of selected.value.entries()) {
      if (io.signal?.aborted) {
        io.printError(
          `interrupted: ${total - index} photo(s) not exported; run the same command again to finish`,
        );
        return 130;
      }
      io.progress?.(`${index + 1}/${total} ${printable(photo.fileName)}`);
      const existing = await matcher.find(photo);
      if (existing) {
        counts.unchanged++;
        io.print(`unchanged\t${photo.id}\t${printable(existing)}`);
        continue;
      }
      const failed = (reason: string) => {
        counts.failed++;
        io.printError(`failed: ${printable(photo.fileName)} (${photo.id}): ${reason}`);
      };
      const file = await downloadOriginal({ api }, photo, io.signal);
      if (!file.ok) {
        const e = file.error;
        if (e.type === 'Transport' && e.error.type === 'NetworkFailure')
          return fail(
            io,
            `cannot reach the server at ${session.server} (${e.error.message}); run the same command again to finish`,
          );
        failed(
          e.type === 'Transport' ? `the server refused: ${describeSignInError(e)}` : 'cannot decrypt it',
        );
        continue;
      }
      const base = safeFileName(photo.fileName, `photo-${photo.id}`);
      try {
        const name = await writeFileAtomically(dir, chunksOf(file.value.stream), {
          size: photo.size,
          mtimeMs: photo.date,
          nextName: () => nextName(base),
        });
        matcher.added(name, photo);
        counts.exported++;
        io.print(`exported\t${photo.id}\t${printable(name)}`);
      } catch (error) {
        if (io.signal?.aborted) continue; // reported at the top of the loop
        const { reason, offline } = writeFailure(error);
        if (offline)
          return fail(
            io,
            `cannot reach the server at ${session.server} (${reason}); run the same command again to finish`,
          );
        failed(reason);
      }
    }
    io.progress?.('');
    io.print(
      `${counts.exported} exported, ${counts.unchanged} already there, ${counts.failed} failed, into ${dir}`,
    );
    return counts.failed > 0 ? fail(io, `${counts.failed} photo(s) could not be exported`) : 0;
  });

export const exportLibrary = (io: CliIo, options: ExportOptions = {}): Promise<ExitCode> =>
  exportPhotos(io, (client) => selectPhotos(client, options), options);

export const download = async (
  io: CliIo,
  photoIds: readonly string[],
  options: Pick<ExportOptions, 'out'> = {},
): Promise<ExitCode> => {
  if (photoIds.length === 0) return fail(io, 'name at least one photo id (see: halyon list)');
  const byId = (client: HalyonClient) => {
    const photos = photoIds.map((id) => client.library.queries.photo(id));
    const unknown = photoIds.filter((_, i) => !photos[i]);
    return unknown.length > 0
      ? err(`no photo with id ${unknown.map(printable).join(', ')}`)
      : ok(photos as PhotoView[]);
  };
  return exportPhotos(io, byId, options);
};
