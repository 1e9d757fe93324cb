/**
 * @module For tests and Node tools: a local store on fake-indexeddb (in memory), each under a fresh name.
 */
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { type LocalStore, type LocalStoreOptions, openLocalStore } from './local-store';

let opened = 0;

export const openMemoryStore = (
  options: Omit<LocalStoreOptions, 'indexedDB' | 'IDBKeyRange'> = {},
): Promise<LocalStore> =>
  openLocalStore(`halyon-test-${process.pid}-${++opened}`, { ...options, indexedDB, IDBKeyRange });
