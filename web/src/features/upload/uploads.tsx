/** @module Uploading, wired to the vault: the window-wide drop zone, the picker buttons and the batch panel. */

import { Show } from 'solid-js';
import { useVault, useVaultEvents } from '../../app/vault-context';
import type { PickedFile } from './collect-files';
import { UploadButtons, UploadDropZone } from './upload-drop-zone';
import { UploadPanel } from './upload-panel';

export const useAddUploads = () => {
  const client = useVault();
  return (files: ReadonlyArray<PickedFile>): void => {
    void client.addUploads(files);
  };
};

// The hooks run once, in the component body: a call inside a JSX prop would run lazily, outside the owner.
export const UploadPickers = () => {
  const addUploads = useAddUploads();
  return <UploadButtons onFiles={addUploads} />;
};

export const Uploads = () => {
  const client = useVault();
  const events = useVaultEvents();
  const addUploads = useAddUploads();
  return (
    <>
      <UploadDropZone onFiles={addUploads} />
      <Show when={events.uploads().length > 0}>
        <UploadPanel
          items={events.uploads()}
          onPause={(ids) => void client.pauseUploads(ids)}
          onResume={(ids) => void client.resumeUploads(ids)}
          onCancel={(ids) => void client.cancelUploads(ids)}
          onRetry={(ids) => void client.retryUploads(ids)}
          onClearFinished={() => void client.clearFinishedUploads()}
        />
      </Show>
    </>
  );
};
