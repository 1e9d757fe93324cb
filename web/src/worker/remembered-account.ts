/**
 * @module Which account this browser last signed in to, so a reload opens on "unlock" instead of "sign in".
 * Only the e-mail address is kept (IndexedDB, in the worker): no token, no key. Unlocking signs in again.
 * The auto-lock choice is kept beside it (not a secret).
 */

const DB = 'halyon-device';
const STORE = 'account';
const KEY = 'current';

const open = (): Promise<IDBDatabase> =>
  new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

const run = async <T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>) => {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = use(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
};

export interface RememberedAccount {
  readonly email: string;
}

export const readRememberedAccount = async (): Promise<RememberedAccount | null> =>
  ((await run('readonly', (s) => s.get(KEY))) as RememberedAccount | undefined) ?? null;

export const rememberAccount = async (account: RememberedAccount): Promise<void> => {
  await run('readwrite', (s) => s.put(account, KEY));
};

export const forgetAccount = async (): Promise<void> => {
  await run('readwrite', (s) => s.delete(KEY));
};

const AUTO_LOCK_KEY = 'autoLockMinutes';

/** undefined: never chosen on this browser; null: never lock automatically. */
export const readAutoLockMinutes = async (): Promise<number | null | undefined> =>
  (await run('readonly', (s) => s.get(AUTO_LOCK_KEY))) as number | null | undefined;

export const rememberAutoLockMinutes = async (minutes: number | null): Promise<void> => {
  await run('readwrite', (s) => s.put(minutes, AUTO_LOCK_KEY));
};
