/** @module Saves a blob as a download, revoking its object URL right after the browser took it. */

export const saveBlob = (blob: Blob, fileName: string): void => {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.click();
  // The download has started from the URL by the next task; keeping it longer keeps the plaintext reachable.
  setTimeout(() => URL.revokeObjectURL(url), 0);
};
