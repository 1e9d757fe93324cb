/**
 * @module Decodes a decrypted image into an ImageBitmap here in the worker, so the page only paints it: no
 * object URL, and no image decode on the main thread while the grid scrolls. See: [Note: Thumbnails as bitmaps]
 *
 * WebCodecs' ImageDecoder reads the bytes as they are. A Blob, the other way in, registers with the browser
 * process first, a round trip that blocks this thread: in a trace of the bench's scroll stops it was the
 * worker's largest cost (about 3 ms a thumbnail on the loaded 2-core machine), and in isolation the Blob path
 * took 18-23 ms for 18 thumbnails where ImageDecoder took 11-13 ms. Browsers without ImageDecoder take the Blob.
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
