/**
 * @module A persistent local store for Node: the memory store (store/memory-store.ts), kept in one JSON snapshot
 * file and an append-only journal beside it. The files hold exactly what IndexedDB would: ciphertext and
 * bookkeeping, no plaintext. Readable only by the user.
 *
 * [Note: File store journal]
 * A save appends one line to `<path>.journal` with the rows changed since the previous save (the memory store's
 * `takeDelta`) and fsyncs it, so its cost follows what changed, not the library's size (the whole snapshot was
 * rewritten at every save: ~3 ms at 200 photos, growing with every photo). Opening reads the snapshot and replays
 * the journal. When the journal outgrows the snapshot (and on close), the snapshot is rewritten: a temporary
 * file, fsynced, renamed over the old one, the directory fsynced; then a fresh journal is started the same way.
 * The journal's first line names the snapshot generation it follows, and a snapshot carries its generation, so
 * a crash between those two renames leaves an older journal that the newer snapshot ignores (its rows are in the
 * snapshot). A crash during an append leaves a torn last line, which was never reported saved: it is dropped.
 */
import { type FileHandle, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LocalStore, StoreSnapshot } from '../store/local-store';
import { isEmptyDelta, openMemoryLocalStore, type StoreDelta } from '../store/memory-store';
import { base64ToBytes, bytesToBase64 } from '../sync/base64';

const BYTES_TAG = '$bytes';
/** The snapshot's own field for its generation (a store table is never named so). */
const GENERATION_FIELD = '$generation';

const replacer = (_key: string, value: unknown) =>
  value instanceof Uint8Array ? { [BYTES_TAG]: bytesToBase64(value) } : value;

const reviver = (_key: string, value: unknown) =>
  value !== null && typeof value === 'object' && BYTES_TAG in value && Object.keys(value).length === 1
    ? base64ToBytes((value as Record<string, string>)[BYTES_TAG]!)
    : value;

export interface FileStore {
  readonly store: LocalStore;
  /** Makes every change so far durable (one journal append). */
  save(): Promise<void>;
  /** Saves into a fresh snapshot and closes the store. */
  close(): Promise<void>;
}

export interface FileStoreOptions {
  /** The journal is folded into the snapshot once it is larger than this and than the snapshot. */
  readonly compactAboveBytes?: number;
}

const readOrNull = async (path: string): Promise<string | null> => {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw cause;
  }
};

const fsyncDirectory = async (dir: string) => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/** Replaces `path` with `text`, durably: after a crash the file is the old one or the new one. */
const writeDurably = async (path: string, text: string) => {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await fsyncDirectory(dirname(path));
};

const journalHeader = (generation: number) => `${JSON.stringify({ generation })}\n`;

/** The journal's deltas that follow `generation`; `clean` is false when a line was torn or it follows another. */
const parseJournal = (text: string | null, generation: number) => {
  if (text === null) return { deltas: [], clean: true };
  const lines = text.split('\n');
  let header: { generation?: unknown } | null = null;
  try {
    header = JSON.parse(lines[0]!) as { generation?: unknown };
  } catch {}
  if (header?.generation !== generation) return { deltas: [], clean: false };
  const deltas: StoreDelta[] = [];
  // Every complete line ends with '\n': what follows the last one was cut off mid-write.
  for (const line of lines.slice(1, -1)) {
    try {
      deltas.push(JSON.parse(line, reviver) as StoreDelta);
    } catch {
      return { deltas, clean: false }; // damaged: keep what came before it
    }
  }
  return { deltas, clean: lines.at(-1) === '' };
};

export const openFileStore = async (path: string, options: FileStoreOptions = {}): Promise<FileStore> => {
  const compactAboveBytes = options.compactAboveBytes ?? 1024 * 1024;
  const journalPath = `${path}.journal`;
  const store = openMemoryLocalStore(path, { trackChanges: true });
  const text = await readOrNull(path);
  const snapshot = text === null ? null : (JSON.parse(text, reviver) as StoreSnapshot);
  let generation = Number(snapshot?.[GENERATION_FIELD]?.[0] ?? 0);
  let snapshotBytes = text?.length ?? 0;
  if (snapshot) await store.importSnapshot(snapshot);
  const journal = parseJournal(await readOrNull(journalPath), generation);
  for (const delta of journal.deltas) store.applyDelta(delta);

  let journalFile: FileHandle | null = null;
  let journalBytes = 0;
  /** A save failed after taking its delta: the next one writes the whole snapshot. */
  let mustCompact = !journal.clean;

  const compact = async () => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await journalFile?.close();
    journalFile = null;
    store.takeDelta(); // the snapshot holds these
    generation++;
    const next = JSON.stringify(
      { ...(await store.exportSnapshot()), [GENERATION_FIELD]: [generation] },
      replacer,
    );
    await writeDurably(path, next);
    snapshotBytes = next.length;
    await writeDurably(journalPath, journalHeader(generation));
    journalBytes = 0;
    mustCompact = false;
  };

  const append = async (delta: StoreDelta) => {
    if (!journalFile) {
      journalFile = await open(journalPath, 'a', 0o600);
      journalBytes = (await journalFile.stat()).size;
    }
    const line = `${JSON.stringify(delta, replacer)}\n`;
    await journalFile.appendFile(line);
    await journalFile.datasync();
    journalBytes += line.length;
  };

  /** One save at a time, in order: each appends what changed before it started. */
  let saving: Promise<void> = Promise.resolve();
  const serialised = (task: () => Promise<void>) => {
    const next = saving.then(task);
    saving = next.catch(() => {});
    return next;
  };

  const save = () =>
    serialised(async () => {
      // The first save (no journal yet), or a torn line or a journal that follows an older snapshot, or a failed
      // save: a fresh snapshot and a journal that follows it.
      if (mustCompact || (journalFile === null && (await stat(journalPath).catch(() => null)) === null)) {
        mustCompact = true;
        await compact();
        return;
      }
      const delta = store.takeDelta();
      if (isEmptyDelta(delta)) return;
      mustCompact = true; // until the append is durable
      if (journalBytes > Math.max(compactAboveBytes, snapshotBytes)) await compact();
      else await append(delta);
      mustCompact = false;
    });

  return {
    store,
    save,
    async close() {
      await serialised(compact);
      await journalFile?.close();
      journalFile = null;
      await store.destroy();
    },
  };
};

/** Deletes a file store's files (its snapshot and journal). */
export const removeFileStore = async (path: string) => {
  await rm(path, { force: true });
  await rm(`${path}.journal`, { force: true });
};
