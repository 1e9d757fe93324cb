/**
 * @module Decodes a decrypted image into an ImageBitmap here in the worker, so the page only paints it: no
 * object URL, and no image decode on the main thread while the grid scrolls. See: [Note: Thumbnails as bitmaps]
 *
 * WebCodecs' ImageDecoder reads the bytes as they are. A Blob, the other way in, first registers with the
 * browser process, a round trip that blocks this thread (0.5-2 ms a thumbnail in the bench's profiles on the
 * loaded 2-core machine); in isolation 18 thumbnails took 11-13 ms this way and 18-23 ms through Blobs. In the
 * batched grid the bench could not tell the two apart (docs/web.md). Browsers without ImageDecoder take the Blob.
 */

/** null when the bytes are not an image this browser can decode. */
export const decodeImage = async (bytes: Uint8Array, mime: string): Promise<ImageBitmap | null> => {
  try {
    if (typeof ImageDecoder === 'undefined')
      return await createImageBitmap(new Blob([bytes as BlobPart], { type: mime }));
    // The decoder keeps its own copy of the bytes, released by close().
    const decoder = new ImageDecoder({ data: bytes as BufferSource, type: mime });
    try {
      const { image } = await decoder.decode();
      try {
        return await createImageBitmap(image);
      } finally {
        image.close();
      }
    } finally {
      decoder.close();
    }
  } catch {
    return null;
  }
};
