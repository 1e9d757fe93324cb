/**
 * @module What the uploader reads: a file it can stream from the start as often as it needs (once to hash it, once
 * to encrypt it), in the browser a File and in Node a path (node-file-source.ts). Reading never holds more than
 * a piece of the file at a time.
 */
import { chunksOf } from '../streams';

export interface FileSource {
  readonly name: string;
  readonly size: number;
  /** The platform's media type, if it knows one; the uploader sniffs the bytes anyway. */
  readonly type: string;
  readonly lastModified: number;
  /** The bytes from `start` (default 0) to `end` (default the size), in pieces. */
  stream(start?: number, end?: number): AsyncIterable<Uint8Array>;
  /**
   * How to open the same file again after a restart (a path), or undefined when the platform cannot (a File in
   * the browser): such files are encrypted into the local store before they are sent. See: [Note: Staged uploads]
   */
  readonly reopenRef?: string;
  /** The picked File itself, where there is one: a browser can hand it to a decoder without copying it. */
  readonly blob?: Blob;
}

/**
 * Reads `start..end` of a source into one buffer: only for small heads (EXIF) and images to decode. A piece that
 * holds the whole range (a source in memory, or one read) is answered as a view, without copying: callers only
 * read it.
 */
export const readRange = async (source: FileSource, start: number, end: number): Promise<Uint8Array> => {
  const length = Math.max(0, Math.min(end, source.size) - start);
  let out: Uint8Array | undefined;
  let filled = 0;
  for await (const piece of source.stream(start, start + length)) {
    if (!out && piece.length >= length) return piece.subarray(0, length);
    out ??= new Uint8Array(length);
    out.set(piece.subarray(0, length - filled), filled);
    filled += piece.length;
    if (filled >= length) break;
  }
  return (out ?? new Uint8Array(0)).subarray(0, Math.min(filled, length));
};

/** Files up to this size are read once while they are prepared, instead of once each for hash, EXIF and thumbnails. */
export const PREPARE_IN_MEMORY_BYTES = 32 * 1024 * 1024;

/** The same file with its bytes read into memory once (it can still be reopened by its `reopenRef`). */
export const readIntoMemory = async (source: FileSource): Promise<FileSource> => {
  const bytes = await readRange(source, 0, source.size);
  if (bytes.length !== source.size) throw new Error(`${source.name} changed while it was read`);
  return {
    ...source,
    async *stream(start = 0, end = bytes.length) {
      yield bytes.subarray(start, end);
    },
  };
};

/** A File or Blob (the browser's file picker, drag and drop). */
export const fileSourceFromBlob = (
  blob: Blob,
  name = (blob as File).name ?? 'file',
  lastModified = (blob as File).lastModified ?? Date.now(),
): FileSource => ({
  name,
  size: blob.size,
  type: blob.type,
  lastModified,
  blob,
  async *stream(start = 0, end = blob.size) {
    yield* chunksOf(blob.slice(start, end).stream());
  },
});

/** Bytes already in memory (generated thumbnails, tests). */
export const fileSourceFromBytes = (bytes: Uint8Array, name: string, type = ''): FileSource => ({
  name,
  size: bytes.length,
  type,
  lastModified: Date.now(),
  async *stream(start = 0, end = bytes.length) {
    yield bytes.subarray(start, end);
  },
});
