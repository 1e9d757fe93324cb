/**
 * @module A persistent local store for Node: the memory store (store/memory-store.ts), loaded from and saved to
 * one JSON file. The file holds exactly what IndexedDB would: ciphertext and bookkeeping, no plaintext.
 * Saved atomically (write a temporary file, then rename), readable only by the user.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LocalStore, StoreSnapshot } from '../store/local-store';
import { openMemoryLocalStore } from '../store/memory-store';
import { base64ToBytes, bytesToBase64 } from '../sync/base64';

const BYTES_TAG = '$bytes';

const replacer = (_key: string, value: unknown) =>
  value instanceof Uint8Array ? { [BYTES_TAG]: bytesToBase64(value) } : value;

const reviver = (_key: string, value: unknown) =>
  value !== null && typeof value === 'object' && BYTES_TAG in value && Object.keys(value).length === 1
    ? base64ToBytes((value as Record<string, string>)[BYTES_TAG]!)
    : value;

export interface FileStore {
  readonly store: LocalStore;
  save(): Promise<void>;
  close(): Promise<void>;
}

export const openFileStore = async (path: string): Promise<FileStore> => {
  const store = openMemoryLocalStore(path);
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
  }
  if (text !== null) await store.importSnapshot(JSON.parse(text, reviver) as StoreSnapshot);
  const save = async () => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(await store.exportSnapshot(), replacer), { mode: 0o600 });
    await rename(temporary, path);
  };
  return {
    store,
    save,
    async close() {
      await save();
      await store.destroy();
    },
  };
};
