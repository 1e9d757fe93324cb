/**
 * @module Drop files or folders anywhere in the window to upload them, plus buttons for the file and folder
 * pickers. Hands the collected files to `onFiles`; knows nothing about uploading itself.
 */

import FolderUp from 'lucide-solid/icons/folder-up';
import Upload from 'lucide-solid/icons/upload';
import { createSignal, onCleanup, onMount, Show } from 'solid-js';
import { Button } from '../../ui/button';
import { filesFromDataTransfer, filesFromInput, isFileDrag, type PickedFile } from './collect-files';
import './upload.css';

export const UploadDropZone = (props: { readonly onFiles: (files: ReadonlyArray<PickedFile>) => void }) => {
  const [isDragging, setDragging] = createSignal(false);
  // dragenter/dragleave fire for every child element crossed; count them to know when the drag left the window.
  let depth = 0;

  const deliver = (files: ReadonlyArray<PickedFile>): void => {
    if (files.length > 0) props.onFiles(files);
  };

  onMount(() => {
    const onDragEnter = (event: DragEvent): void => {
      if (!isFileDrag(event)) return;
      event.preventDefault();
      depth += 1;
      setDragging(true);
    };
    const onDragOver = (event: DragEvent): void => {
      if (!isFileDrag(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDragLeave = (event: DragEvent): void => {
      if (!isFileDrag(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (event: DragEvent): void => {
      if (!isFileDrag(event) || !event.dataTransfer) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      void filesFromDataTransfer(event.dataTransfer).then(deliver);
    };
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    onCleanup(() => {
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
    });
  });

  return (
    <Show when={isDragging()}>
      <div class="drop-overlay" aria-hidden="true">
        <div class="drop-overlay__card">
          <Upload />
          <p>Drop photos or folders to upload</p>
          <p class="drop-overlay__hint">They are encrypted on this device before they leave it.</p>
        </div>
      </div>
    </Show>
  );
};

export const UploadButtons = (props: { readonly onFiles: (files: ReadonlyArray<PickedFile>) => void }) => {
  let fileInput!: HTMLInputElement;
  let folderInput!: HTMLInputElement;
  const onChange = (input: HTMLInputElement): void => {
    const files = filesFromInput(input.files);
    input.value = '';
    if (files.length > 0) props.onFiles(files);
  };
  return (
    <div class="upload-buttons">
      <input
        ref={fileInput}
        class="visually-hidden"
        type="file"
        multiple
        accept="image/*,video/*"
        tabIndex={-1}
        aria-hidden="true"
        onChange={() => onChange(fileInput)}
      />
      <input
        ref={(el) => {
          folderInput = el;
          el.webkitdirectory = true;
        }}
        class="visually-hidden"
        type="file"
        tabIndex={-1}
        aria-hidden="true"
        onChange={() => onChange(folderInput)}
      />
      <Button variant="quiet" icon={<Upload aria-hidden="true" />} onClick={() => fileInput.click()}>
        Upload
      </Button>
      <Button variant="quiet" icon={<FolderUp aria-hidden="true" />} onClick={() => folderInput.click()}>
        Folder
      </Button>
    </div>
  );
};
