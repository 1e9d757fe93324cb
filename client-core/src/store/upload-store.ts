/**
 * @module The uploader's state on Dexie, in its own database beside the library's (so its schema moves on its own):
 * sealed upload jobs, and staged blob ciphertext in pieces. Holds ciphertext only. See: [Note: Staged uploads]
 */
import { Dexie, type Table } from 'dexie';
import type { SealedJob, UploadStateStore } from '../upload/upload-state';
import { type IndexedDbPlatform, toDexieOptions } from './dexie-platform';

interface StagedPiece {
  readonly blobId: string;
  readonly index: number;
  readonly bytes: Uint8Array;
}

class UploadDexie extends Dexie {
  jobs!: Table<SealedJob, string>;
  staged!: Table<StagedPiece, [string, number]>;

  constructor(name: string, options: UploadStoreOptions) {
    super(name, toDexieOptions(options));
    this.version(1).stores({ jobs: 'id', staged: '[blobId+index]' });
  }
}

export type UploadStoreOptions = IndexedDbPlatform;

export interface UploadStore extends UploadStateStore {
  close(): void;
  destroy(): Promise<void>;
}

export const openUploadStore = async (
  name: string,
  options: UploadStoreOptions = {},
): Promise<UploadStore> => {
  const db = new UploadDexie(name, options);
  await db.open();
  const range = (blobId: string) =>
    db.staged.where('[blobId+index]').between([blobId, Dexie.minKey], [blobId, Dexie.maxKey]);
  return {
    putJob: async (job) => {
      await db.jobs.put(job);
    },
    listJobs: () => db.jobs.toArray(),
    deleteJob: (id) => db.jobs.delete(id),
    putStagedPiece: async (blobId, index, bytes) => {
      await db.staged.put({ blobId, index, bytes });
    },
    async *readStaged(blobId) {
      // One piece per read, so a 2 GiB staged original never sits in memory.
      for (let index = 0; ; index++) {
        const piece = await db.staged.get([blobId, index]);
        if (!piece) return;
        yield piece.bytes;
      }
    },
    deleteStaged: async (blobId) => {
      await range(blobId).delete();
    },
    close: () => db.close(),
    destroy: () => db.delete(),
  };
};
