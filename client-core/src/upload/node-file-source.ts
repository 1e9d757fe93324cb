/**
 * @module Node only: a file on disk as a FileSource, read with FileHandle.read in pieces of up to 1 MiB (no stream
 * machinery: each piece is one read into a buffer of its own, which the reader may keep), and reopened by its path
 * after a restart (so a Node client never copies a file into its local store).
 */
import { open, stat } from 'node:fs/promises';
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
      const file = await open(path, 'r');
      try {
        for (let position = start; position < end; ) {
          // Not zeroed first, since the read overwrites it; unpooled, so the piece's memory is its own.
          const piece = Buffer.allocUnsafeSlow(Math.min(READ_PIECE_BYTES, end - position));
          const { bytesRead } = await file.read(piece, 0, piece.length, position);
          if (bytesRead === 0) return; // the file shrank: the reader sees fewer bytes than it expects
          piece.fill(0, bytesRead);
          position += bytesRead;
          yield new Uint8Array(piece.buffer, piece.byteOffset, bytesRead);
        }
      } finally {
        await file.close();
      }
    },
  };
};
