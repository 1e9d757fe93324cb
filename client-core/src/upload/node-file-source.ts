/**
 * @module Node only: a file on disk as a FileSource, streamed with fs read streams, and reopened by its path after
 * a restart (so a Node client never copies a file into its local store).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileSource } from './file-source';

const READ_PIECE_BYTES = 1024 * 1024;

export const fileSourceFromPath = async (path: string): Promise<FileSource> => {
  const info = await stat(path);
  return {
    name: basename(path),
    size: info.size,
    type: '',
    lastModified: info.mtimeMs,
    reopenRef: path,
    async *stream(start = 0, end = info.size) {
      if (end <= start) return;
      const stream = createReadStream(path, { start, end: end - 1, highWaterMark: READ_PIECE_BYTES });
      for await (const piece of stream) yield new Uint8Array(piece.buffer, piece.byteOffset, piece.length);
    },
  };
};
