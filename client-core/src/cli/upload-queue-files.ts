/**
 * @module The upload queue's state for the CLI, in plain files under $HALYON_HOME/uploads (the browser keeps it in
 * IndexedDB, store/upload-store.ts): `jobs/ID` holds a sealed job, `staged/BLOB-ID/N` the N-th piece of a staged
 * blob. Both are ciphertext (upload/upload-state.ts). Each file is written to a temporary name and renamed, so a
 * Ctrl-C or a crash leaves either the old state or the new one, and a rerun resumes from it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SealedJob, UploadStateStore } from '../upload/upload-state';

/** Ids become file names: only the uploader's own UUID-like ids are accepted. */
const SAFE_ID = /^[0-9A-Za-z-]{1,100}$/;
const checkedId = (id: string) => {
  if (!SAFE_ID.test(id)) throw new Error(`not a queue id: ${JSON.stringify(id)}`);
  return id;
};

const writeAtomically = async (path: string, bytes: Uint8Array) => {
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, bytes, { mode: 0o600 });
  await rename(temporary, path);
};

const listOrEmpty = async (dir: string): Promise<string[]> => {
  try {
    return await readdir(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw cause;
  }
};

export const openUploadQueueFiles = async (dir: string): Promise<UploadStateStore> => {
  const jobsDir = join(dir, 'jobs');
  const stagedDir = join(dir, 'staged');
  await mkdir(jobsDir, { recursive: true, mode: 0o700 });
  await mkdir(stagedDir, { recursive: true, mode: 0o700 });
  const stagedPiece = (blobId: string, index: number) => join(stagedDir, checkedId(blobId), String(index));

  return {
    putJob: (job) => writeAtomically(join(jobsDir, checkedId(job.id)), job.sealed),
    async listJobs() {
      const jobs: SealedJob[] = [];
      for (const name of await listOrEmpty(jobsDir)) {
        if (!SAFE_ID.test(name)) continue; // a temporary file a crash left behind
        jobs.push({ id: name, sealed: new Uint8Array(await readFile(join(jobsDir, name))) });
      }
      return jobs;
    },
    deleteJob: (id) => rm(join(jobsDir, checkedId(id)), { force: true }),
    async putStagedPiece(blobId, index, bytes) {
      await mkdir(join(stagedDir, checkedId(blobId)), { recursive: true, mode: 0o700 });
      await writeAtomically(stagedPiece(blobId, index), bytes);
    },
    async *readStaged(blobId) {
      // One piece per read, so a large staged blob never sits in memory whole.
      for (let index = 0; ; index++) {
        let piece: Buffer;
        try {
          piece = await readFile(stagedPiece(blobId, index));
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw cause;
        }
        yield new Uint8Array(piece.buffer, piece.byteOffset, piece.length);
      }
    },
    deleteStaged: (blobId) => rm(join(stagedDir, checkedId(blobId)), { recursive: true, force: true }),
  };
};
