/**
 * @module Saving a selection as a zip. Where the browser has the File System Access API (Chromium), the person
 * picks the file first and the worker streams the decrypted zip straight into it, so memory stays bounded
 * whatever the selection's size. Elsewhere the worker builds the zip as one Blob and the page downloads it.
 */

import type { MediaError, PhotoId, Result, VaultClient } from '../../app/vault-client';
import { saveBlob } from '../../ui/save-blob';

/** `window.showSaveFilePicker`, which TypeScript's DOM types do not have yet. */
export type SaveFilePicker = (options: {
  readonly suggestedName: string;
  readonly types: ReadonlyArray<{ readonly description: string; readonly accept: Record<string, string[]> }>;
}) => Promise<FileSystemFileHandle>;

export interface SaveZipDeps {
  readonly client: Pick<VaultClient, 'getOriginalsZip' | 'writeOriginalsZip'>;
  /** undefined where the browser has no save picker. */
  readonly showSaveFilePicker: SaveFilePicker | undefined;
  readonly saveBlob: (blob: Blob, fileName: string) => void;
}

export type SaveZipOutcome = Result<'saved' | 'cancelled', MediaError>;

export const browserSaveZipDeps = (client: SaveZipDeps['client']): SaveZipDeps => ({
  client,
  showSaveFilePicker: (window as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker?.bind(window),
  saveBlob,
});

/** "Lisbon 2026.zip": the screen's title without characters file systems refuse. */
export const zipFileName = (title: string): string =>
  `${
    title
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
      .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || 'Photos'
  }.zip`;

/**
 * Must be called straight from the click: the save picker needs the click's user activation, so nothing is
 * awaited before it.
 */
export const saveSelectionAsZip = async (
  deps: SaveZipDeps,
  ids: ReadonlyArray<PhotoId>,
  fileName: string,
  onProgress: (filesDone: number) => void,
): Promise<SaveZipOutcome> => {
  if (deps.showSaveFilePicker) {
    let file: FileSystemFileHandle;
    try {
      file = await deps.showSaveFilePicker({
        suggestedName: fileName,
        types: [{ description: 'Zip archive', accept: { 'application/zip': ['.zip'] } }],
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError')
        return { ok: true, value: 'cancelled' };
      // Refused for another reason (a policy, no user activation): the download still works.
      return saveAsBlob(deps, ids, fileName, onProgress);
    }
    const written = await deps.client.writeOriginalsZip(ids, file, onProgress);
    return written.ok ? { ok: true, value: 'saved' } : written;
  }
  return saveAsBlob(deps, ids, fileName, onProgress);
};

const saveAsBlob = async (
  deps: SaveZipDeps,
  ids: ReadonlyArray<PhotoId>,
  fileName: string,
  onProgress: (filesDone: number) => void,
): Promise<SaveZipOutcome> => {
  const zip = await deps.client.getOriginalsZip(ids, onProgress);
  if (!zip.ok) return zip;
  deps.saveBlob(zip.value, fileName);
  return { ok: true, value: 'saved' };
};
