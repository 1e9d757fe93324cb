/**
 * @module Web Locks for one process, for tests that simulate several tabs.
 */
import type { LockManagerLike } from '../tabs';

/** Web Locks' exclusive mode for one process: requests wait in line; an abort while waiting gives up at once. */
export const createLocks = (): LockManagerLike => {
  const queues = new Map<string, Promise<void>>();
  return {
    request(name, { signal }, callback) {
      const before = queues.get(name) ?? Promise.resolve();
      let gaveUp = false;
      const run = before.then(() => (gaveUp ? undefined : callback()));
      queues.set(
        name,
        run.catch(() => undefined),
      );
      const aborted = new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => {
          gaveUp = true;
          reject(new Error('AbortError'));
        }),
      );
      return Promise.race([run, aborted]);
    },
  };
};
