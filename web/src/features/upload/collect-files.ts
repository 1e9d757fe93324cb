/**
 * @module Collects the files of a drop or a picker, walking dropped folders, with each file's folder path.
 * Uses the File and Directory Entries API (`webkitGetAsEntry`), the only way to read a dropped folder.
 */

export interface PickedFile {
  readonly file: File;
  /** Folder path inside the picked or dropped folder, '' for loose files. */
  readonly relativePath: string;
}

interface EntryLike {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
}
interface FileEntryLike extends EntryLike {
  file(onFile: (file: File) => void, onError: (error: unknown) => void): void;
}
interface DirectoryEntryLike extends EntryLike {
  createReader(): {
    readEntries(onEntries: (entries: EntryLike[]) => void, onError: (e: unknown) => void): void;
  };
}

const parentPath = (path: string): string => path.split('/').slice(0, -1).join('/');

/** From a file input (`webkitdirectory` inputs set webkitRelativePath, e.g. "Trip/day1/a.jpg"). */
export const filesFromInput = (files: FileList | null): ReadonlyArray<PickedFile> =>
  Array.from(files ?? [], (file) => ({ file, relativePath: parentPath(file.webkitRelativePath ?? '') }));

const readFile = (entry: FileEntryLike): Promise<File | null> =>
  new Promise((resolve) => entry.file(resolve, () => resolve(null)));

const readAllEntries = async (directory: DirectoryEntryLike): Promise<EntryLike[]> => {
  const reader = directory.createReader();
  const all: EntryLike[] = [];
  // readEntries returns at most ~100 entries per call; an empty batch means the end.
  for (;;) {
    const batch = await new Promise<EntryLike[]>((resolve) => reader.readEntries(resolve, () => resolve([])));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
};

const walk = async (entry: EntryLike, path: string, out: PickedFile[]): Promise<void> => {
  if (entry.isFile) {
    const file = await readFile(entry as FileEntryLike);
    if (file) out.push({ file, relativePath: path });
  } else if (entry.isDirectory) {
    const childPath = path ? `${path}/${entry.name}` : entry.name;
    for (const child of await readAllEntries(entry as DirectoryEntryLike)) await walk(child, childPath, out);
  }
};

/** From a drop: files and whole folders. Entries must be taken synchronously, before the first await. */
export const filesFromDataTransfer = async (transfer: DataTransfer): Promise<ReadonlyArray<PickedFile>> => {
  const entries = Array.from(transfer.items)
    .filter((item) => item.kind === 'file')
    .map((item) => ({ entry: item.webkitGetAsEntry?.() as EntryLike | null, file: item.getAsFile() }));
  const out: PickedFile[] = [];
  for (const { entry, file } of entries) {
    // Loose files come straight from the item; only folders need the entries API.
    if (entry?.isDirectory) await walk(entry, '', out);
    else if (file) out.push({ file, relativePath: '' });
  }
  return out;
};

/** True when a drag carries files (not text or a link dragged from the page). */
export const isFileDrag = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;
