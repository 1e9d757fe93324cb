/**
 * @module Decodes a decrypted image into an ImageBitmap here in the worker, so the page only paints it: no
 * object URL, and no image decode on the main thread while the grid scrolls. See: [Note: Thumbnails as bitmaps]
 */

/** null when the bytes are not an image this browser can decode. */
export const decodeImage = async (bytes: Uint8Array, mime: string): Promise<ImageBitmap | null> => {
  try {
    return await createImageBitmap(new Blob([bytes as BlobPart], { type: mime }));
  } catch {
    return null;
  }
};
