/**
 * @module Which account this browser last signed in to, so a reload opens on "unlock" instead of "sign in", and
 * what unlocking it needs without the server (client-core's RememberedAccount: ids, KDF parameters, salt, the
 * wrapped keys, and sessions to revoke; what the server holds too, never a token, a key or the password).
 * IndexedDB, in the worker. The auto-lock choice is kept beside it (not a secret).
 */
import type { RememberedAccounts } from '@halyon/client-core/remote-api';

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

/** The account a reload offers to unlock. */
export interface CurrentAccount {
  readonly email: string;
}

export const readRememberedAccount = async (): Promise<CurrentAccount | null> =>
  ((await run('readonly', (s) => s.get(KEY))) as CurrentAccount | undefined) ?? null;

export const rememberAccount = async (account: CurrentAccount): Promise<void> => {
  await run('readwrite', (s) => s.put(account, KEY));
};

const accountKey = (email: string) => `account:${email}`;

/** The unlock records, by normalised e-mail address (several accounts may have used this browser). */
export const rememberedAccounts: RememberedAccounts = {
  read: async (email) => (await run('readonly', (s) => s.get(accountKey(email)))) ?? null,
  write: async (account) => {
    await run('readwrite', (s) => s.put(account, accountKey(account.email)));
  },
};

/** Signing out of this device: forgets which account it was and what unlocked it. */
export const forgetAccount = async (email: string): Promise<void> => {
  await run('readwrite', (s) => s.delete(KEY));
  await run('readwrite', (s) => s.delete(accountKey(email)));
};

const AUTO_LOCK_KEY = 'autoLockMinutes';

/** undefined: never chosen on this browser; null: never lock automatically. */
export const readAutoLockMinutes = async (): Promise<number | null | undefined> =>
  (await run('readonly', (s) => s.get(AUTO_LOCK_KEY))) as number | null | undefined;

export const rememberAutoLockMinutes = async (minutes: number | null): Promise<void> => {
  await run('readwrite', (s) => s.put(minutes, AUTO_LOCK_KEY));
};
