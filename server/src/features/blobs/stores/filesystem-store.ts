/**
 * @module The default blob store: files under a root directory ($HALYON_DATA_DIR/blobs).
 *
 * [Note: Atomic blob files]
 * A blob is written to a temporary file in its final directory, fsynced, renamed over the final name, and the
 * directory is fsynced, so after a crash a reader finds either the complete file or none: never a partial one.
 * Temporary names start with `.tmp-`; a crash can leave them behind, and `removeStaleTemporaryFiles` sweeps them.
 *
 * Resumable uploads append to `.partial-<name>` beside the final name (fsynced after every piece) and rename it
 * over the final name once complete: the same guarantee, and a killed upload keeps what arrived. Appends to one
 * key are serialised in this process; the filesystem store serves one server process (its data dir is local).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { err, ok, type Result } from '../../../result';
import {
  assertValidKey,
  type BlobRead,
  type ByteRange,
  type OffsetMismatch,
  type ResumableUploadStore,
  type SizeMismatch,
} from './blob-store';
import { coalesce, toAsyncIterable } from './body';

const TEMP_PREFIX = '.tmp-';
const PARTIAL_PREFIX = '.partial-';
/** Network chunks are small; the file gets writes of at least this size. */
const WRITE_BYTES = 1024 * 1024;

export type FilesystemBlobStore = ResumableUploadStore & {
  readonly kind: 'filesystem';
  /** Deletes temporary and unfinished upload files last modified before `before`. */
  removeStaleTemporaryFiles(before: Date): Promise<number>;
};

export function createFilesystemBlobStore(rootDir: string): FilesystemBlobStore {
  const pathOf = (key: string): string => {
    assertValidKey(key);
    return join(rootDir, ...key.split('/'));
  };
  const partialPathOf = (key: string): string => {
    const path = pathOf(key);
    return join(dirname(path), `${PARTIAL_PREFIX}${basename(path)}`);
  };
  const appendsByKey = new Map<string, Promise<unknown>>();
  /** Runs `task` after every earlier task for `key` (a per-key queue). */
  const serialised = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = appendsByKey.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    appendsByKey.set(key, settled);
    void settled.then(() => {
      if (appendsByKey.get(key) === settled) appendsByKey.delete(key);
    });
    return next;
  };

  return {
    kind: 'filesystem',

    async put(key, body, size) {
      const finalPath = pathOf(key);
      const dir = dirname(finalPath);
      await mkdir(dir, { recursive: true });
      const tempPath = join(dir, `${TEMP_PREFIX}${basename(finalPath)}-${randomUUID()}`);
      const file = await open(tempPath, 'wx');
      let received = 0;
      let diskFailed = false;
      const toDisk = async (write: () => Promise<unknown>): Promise<void> => {
        try {
          await write();
        } catch (error) {
          diskFailed = true;
          throw error;
        }
      };
      try {
        for await (const chunk of coalesce(toAsyncIterable(body), WRITE_BYTES)) {
          received += chunk.byteLength;
          if (received > size) break;
          await toDisk(() => file.write(chunk));
        }
        if (received === size) await toDisk(() => file.sync());
      } catch (error) {
        await discard(file, tempPath);
        if (diskFailed) throw error;
        // The body itself failed: the sender went away mid-upload. That is a short body, not a server fault.
        return err({ type: 'SizeMismatch', expectedBytes: size, receivedBytes: received });
      }
      if (received !== size) {
        await discard(file, tempPath);
        return err({ type: 'SizeMismatch', expectedBytes: size, receivedBytes: received });
      }
      await file.close();
      await rename(tempPath, finalPath);
      await fsyncDirectory(dir);
      return ok(undefined);
    },

    async stat(key) {
      try {
        const info = await stat(pathOf(key));
        return { size: info.size };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async read(key, range?: ByteRange): Promise<BlobRead | null> {
      const path = pathOf(key);
      // Open first, so a concurrent delete cannot slip between the size and the stream.
      let file: FileHandle;
      try {
        file = await open(path, 'r');
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
      const { size } = await file.stat();
      if (range && (range.start < 0 || range.end > size || range.start >= range.end)) {
        await file.close();
        throw new Error(`range ${range.start}-${range.end} outside a ${size}-byte blob`);
      }
      // The stream owns the handle from here and closes it when it ends or is cancelled.
      const stream = createReadStream('', {
        fd: file,
        highWaterMark: 256 * 1024,
        ...(range ? { start: range.start, end: range.end - 1 } : {}),
      });
      return {
        body: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>,
        size,
        ...(range ? { range } : {}),
      };
    },

    async delete(key) {
      await rm(pathOf(key), { force: true });
      await rm(partialPathOf(key), { force: true });
    },

    async uploadedBytes(key) {
      try {
        return (await stat(partialPathOf(key))).size;
      } catch (error) {
        if (isNotFound(error)) return 0;
        throw error;
      }
    },

    append(key, { offset, length, size }, body) {
      return serialised(
        key,
        async (): Promise<Result<{ complete: boolean }, SizeMismatch | OffsetMismatch>> => {
          const finalPath = pathOf(key);
          const partialPath = partialPathOf(key);
          await mkdir(dirname(finalPath), { recursive: true });
          if (offset + length > size) {
            return err({ type: 'SizeMismatch', expectedBytes: size, receivedBytes: offset + length });
          }
          const file = await open(partialPath, offset === 0 ? 'w' : 'a');
          try {
            const { size: held } = await file.stat();
            if (held !== offset) return err({ type: 'OffsetMismatch', uploadedBytes: held });
            let received = 0;
            let diskFailed = false;
            try {
              for await (const chunk of coalesce(toAsyncIterable(body), WRITE_BYTES)) {
                if (received + chunk.byteLength > length) {
                  received += chunk.byteLength;
                  break;
                }
                received += chunk.byteLength;
                try {
                  await file.write(chunk);
                } catch (error) {
                  diskFailed = true;
                  throw error;
                }
              }
            } catch (error) {
              if (diskFailed) throw error;
              // The sender went away: keep what arrived (whole chunks, in order) for the resumed upload.
            }
            await file.sync();
            if (received !== length) {
              return err({ type: 'SizeMismatch', expectedBytes: length, receivedBytes: received });
            }
            if (offset + length < size) return ok({ complete: false });
          } finally {
            await file.close();
          }
          await rename(partialPath, finalPath);
          await fsyncDirectory(dirname(finalPath));
          return ok({ complete: true });
        },
      );
    },

    async removeStaleTemporaryFiles(before) {
      let removed = 0;
      const walk = async (dir: string): Promise<void> => {
        let entries: Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (error) {
          if (isNotFound(error)) return;
          throw error;
        }
        for (const entry of entries) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) {
            await walk(path);
          } else if (entry.name.startsWith(TEMP_PREFIX) || entry.name.startsWith(PARTIAL_PREFIX)) {
            const info = await stat(path).catch(() => null);
            if (info && info.mtime < before) {
              await rm(path, { force: true });
              removed += 1;
            }
          }
        }
      };
      await walk(rootDir);
      return removed;
    },
  };
}

async function discard(file: FileHandle, tempPath: string): Promise<void> {
  await file.close();
  await rm(tempPath, { force: true });
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
