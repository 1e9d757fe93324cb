/**
 * @module Getting photos back: an original stream-decrypted under its original file name, a selection as a
 * streaming zip (client-zip: it takes an async iterable of files and pulls each one only when the zip reaches
 * it, so a selection of any size holds one file's few chunks at a time; fflate's Zip would need us to pump the
 * streams ourselves), and thumbnails and previews through the local store's encrypted LRU cache.
 * A stream that errors with BlobDecryptError must be discarded. See: [Note: Streaming blob decryption]
 */
import { makeZip } from 'client-zip';
import { type BlobKey, base64ToBytes, decryptBlob, decryptBlobBytes, toReadableStream } from '../crypto';
import type { PhotoFields } from '../library/kinds';
import { err, ok, type Result } from '../result';
import type { LocalStore } from '../store/local-store';
import type { TransportError } from '../sync/transport';
import type { BlobApi } from '../upload/blob-api';

export type DownloadablePhoto = Pick<
  PhotoFields,
  'blobs' | 'fileKey' | 'fileName' | 'mime' | 'size' | 'takenAt'
>;

export interface DownloadDeps {
  readonly api: BlobApi;
  readonly thumbnailCache: Pick<LocalStore, 'getThumbnail' | 'getThumbnails' | 'putThumbnail'>;
}

export type DownloadError =
  | { readonly type: 'Transport'; readonly error: TransportError }
  /** The stored bytes do not open with the photo's key: tampered with, or not this photo's. */
  | { readonly type: 'DecryptFailed' };

export interface DownloadedFile {
  readonly fileName: string;
  readonly mime: string;
  readonly size: number;
  /** The plaintext; it errors (and must be discarded) if the ciphertext was tampered with. */
  readonly stream: ReadableStream<Uint8Array>;
}

const keyOf = (photo: DownloadablePhoto) => base64ToBytes(photo.fileKey) as BlobKey;

const openBlob = async (
  api: BlobApi,
  blobId: string,
  signal?: AbortSignal,
): Promise<Result<ReadableStream<Uint8Array>, DownloadError>> => {
  const target = await api.downloadTarget(blobId);
  if (!target.ok) return err({ type: 'Transport', error: target.error });
  const body = await api.openDownload(target.value, signal);
  return body.ok ? body : err({ type: 'Transport', error: body.error });
};

/** The original, decrypted as it arrives; hand `stream` to a save dialog under `fileName`. */
export const downloadOriginal = async (
  deps: Pick<DownloadDeps, 'api'>,
  photo: DownloadablePhoto,
  signal?: AbortSignal,
): Promise<Result<DownloadedFile, DownloadError>> => {
  const body = await openBlob(deps.api, photo.blobs.original, signal);
  if (!body.ok) return body;
  return ok({
    fileName: photo.fileName,
    mime: photo.mime,
    size: photo.size,
    stream: toReadableStream(decryptBlob(keyOf(photo), body.value)),
  });
};

/**
 * A file name as a zip entry: no folders (a name with "/" or "\\" or ".." would unpack outside the chosen
 * folder), no control characters, never empty.
 */
const toEntryName = (fileName: string): string => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  const flat = fileName.replace(/[/\\\u0000-\u001f\u007f]/g, '_');
  return /^\.*$/.test(flat) ? `${flat.replaceAll('.', '_')}_` : flat;
};

/** "IMG_1.JPG", "IMG_1 (2).JPG": a zip with two entries of one name would hide one of them when unpacked. */
export const uniqueFileNames = (names: readonly string[]): string[] => {
  const seen = new Set<string>();
  return names.map(toEntryName).map((name) => {
    let candidate = name;
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 2; seen.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    seen.add(candidate.toLowerCase());
    return candidate;
  });
};

/**
 * The selection as one zip stream (stored, not deflated: photos do not compress). A photo that cannot be
 * fetched or decrypted errors the stream, since a zip missing a file silently would lose it.
 */
export const downloadZip = (
  deps: Pick<DownloadDeps, 'api'>,
  photos: readonly DownloadablePhoto[],
  signal?: AbortSignal,
  /** Told as each file starts (0-based) and once more, with `photos.length`, when the last one is in. */
  onFile?: (filesDone: number) => void,
): ReadableStream<Uint8Array> => {
  const names = uniqueFileNames(photos.map((p) => p.fileName));
  async function* files() {
    for (const [i, photo] of photos.entries()) {
      onFile?.(i);
      const file = await downloadOriginal(deps, photo, signal);
      if (!file.ok) throw new Error(`${photo.fileName}: ${file.error.type}`);
      yield {
        name: names[i]!,
        lastModified: new Date(photo.takenAt),
        size: photo.size,
        input: file.value.stream,
      };
    }
    onFile?.(photos.length);
  }
  return makeZip(files());
};

/**
 * A thumbnail or preview, decrypted: from the encrypted cache if there, else downloaded and cached as it came.
 * null when the photo has none (a video, a HEIC the uploading device could not decode).
 */
export const loadThumbnail = async (
  deps: DownloadDeps,
  photo: DownloadablePhoto,
  which: 'thumbnail' | 'preview',
): Promise<Result<Uint8Array | null, DownloadError>> => {
  const blobId = photo.blobs[which];
  if (!blobId) return ok(null);
  let encrypted = await deps.thumbnailCache.getThumbnail(blobId);
  if (!encrypted) {
    const body = await openBlob(deps.api, blobId);
    if (!body.ok) return body;
    encrypted = new Uint8Array(await new Response(body.value).arrayBuffer());
    const opened = await decryptBlobBytes(keyOf(photo), encrypted);
    if (!opened.ok) return err({ type: 'DecryptFailed' });
    await deps.thumbnailCache.putThumbnail(blobId, encrypted);
    return ok(opened.value);
  }
  const opened = await decryptBlobBytes(keyOf(photo), encrypted);
  return opened.ok ? ok(opened.value) : err({ type: 'DecryptFailed' });
};

/**
 * Several photos' thumbnails from the encrypted cache only: one cache read for all of them, then the decrypts
 * side by side. Per photo: the decrypted bytes, null when it has no thumbnail, undefined when its thumbnail is
 * not cached (loadThumbnail downloads it).
 */
export const loadCachedThumbnails = async (
  deps: Pick<DownloadDeps, 'thumbnailCache'>,
  photos: ReadonlyArray<DownloadablePhoto>,
): Promise<Array<Result<Uint8Array | null, DownloadError> | undefined>> => {
  const blobIds = photos.map((photo) => photo.blobs.thumbnail);
  const wanted = blobIds.filter((blobId): blobId is string => blobId !== null);
  const cached = await deps.thumbnailCache.getThumbnails(wanted);
  const encryptedById = new Map(wanted.map((blobId, i) => [blobId, cached[i]]));
  return Promise.all(
    photos.map(async (photo, i) => {
      const blobId = blobIds[i];
      if (!blobId) return ok(null);
      const encrypted = encryptedById.get(blobId);
      if (!encrypted) return undefined;
      const opened = await decryptBlobBytes(keyOf(photo), encrypted);
      return opened.ok ? ok(opened.value) : err({ type: 'DecryptFailed' as const });
    }),
  );
};
