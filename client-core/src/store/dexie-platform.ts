/**
 * @module The IndexedDB implementation the stores hand to Dexie.
 */
import type { DexieOptions } from 'dexie';

export interface IndexedDbPlatform {
  /** Defaults to the platform's; Node passes fake-indexeddb's. */
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

/** Dexie reads an explicit `undefined` as "no IndexedDB" instead of "the platform's", so pass only what is set. */
export const toDexieOptions = ({ indexedDB, IDBKeyRange }: IndexedDbPlatform): DexieOptions => ({
  ...(indexedDB && { indexedDB }),
  ...(IDBKeyRange && { IDBKeyRange }),
});
