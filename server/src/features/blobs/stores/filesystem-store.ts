/**
 * @module The default blob store: files under a root directory ($HALYON_DATA_DIR/blobs).
 *
 * [Note: Atomic blob files]
 * A blob is written to a temporary file in its final directory, fsynced, renamed over the final name, and the
 * directory is fsynced, so after a crash a reader finds either the complete file or none: never a partial one.
 * Temporary names start with `.tmp-`; a crash can leave them behind, and `removeStaleTemporaryFiles` sweeps them.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { err, ok } from '../../../result';
import { assertValidKey, type BlobRead, type BlobStore, type ByteRange } from './blob-store';
import { toAsyncIterable } from './body';

const TEMP_PREFIX = '.tmp-';

export type FilesystemBlobStore = BlobStore & {
  readonly kind: 'filesystem';
  /** Deletes temporary files (left by crashed or killed writes) last modified before `before`. */
  removeStaleTemporaryFiles(before: Date): Promise<number>;
};

export function createFilesystemBlobStore(rootDir: string): FilesystemBlobStore {
  const pathOf = (key: string): string => {
    assertValidKey(key);
    return join(rootDir, ...key.split('/'));
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
        for await (const chunk of toAsyncIterable(body)) {
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
          } else if (entry.name.startsWith(TEMP_PREFIX)) {
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
