/**
 * @module The order in which grid cells get their thumbnails. Cells that settle together (see createSettleTimer)
 * are asked for together: one call reads them all from the encrypted cache, and the images come back in one
 * message, so a scroll stop costs one round trip to the worker instead of one per cell, each waiting behind the
 * last. One batch is in flight at a time, the newest requests first; the few the cache cannot serve are then
 * downloaded one by one, a few at a time, newest first. A request whose cell left the screen before its turn is
 * dropped without ever reaching the worker. Bounding what is in flight keeps the worker from building a backlog
 * of thumbnails nobody looks at any more, which it would otherwise keep decrypting after a fast scroll.
 */

export interface ThumbnailLoaders<T, Id extends string = string> {
  /** Several at once, from the local cache; undefined for one it cannot serve, which `loadOne` then loads. */
  readonly loadMany: (ids: ReadonlyArray<Id>) => Promise<ReadonlyArray<T | undefined>>;
  /** One that `loadMany` could not serve (it needs a download). */
  readonly loadOne: (id: Id) => Promise<T>;
}

export interface ThumbnailQueueOptions {
  /** The most requests one `loadMany` call takes. */
  readonly batchSize: number;
  /** How many `loadOne` calls may run at once. */
  readonly loadsInFlight: number;
}

export interface ThumbnailQueue<T, Id extends string = string> {
  /**
   * Loads `id` when its turn comes; the returned function cancels it if it has not started yet (a started load
   * runs to the end, and `onDone` still gets its result). Requests made in one task go out together.
   */
  request(id: Id, onDone: (value: T) => void): () => void;
}

interface Waiting<T, Id extends string> {
  readonly id: Id;
  readonly onDone: (value: T) => void;
  isCancelled: boolean;
}

export const createThumbnailQueue = <T, Id extends string = string>(
  loaders: ThumbnailLoaders<T, Id>,
  options: ThumbnailQueueOptions,
): ThumbnailQueue<T, Id> => {
  // Stacks: the last cell to ask is the one the person is looking at now.
  const waiting: Waiting<T, Id>[] = [];
  const waitingForOne: Waiting<T, Id>[] = [];
  let isBatchInFlight = false;
  let loadsRunning = 0;
  let isPumpQueued = false;

  const runBatch = async (batch: ReadonlyArray<Waiting<T, Id>>): Promise<void> => {
    // A failed batch (the worker gone) leaves each request to the one-by-one path.
    const values = await loaders.loadMany(batch.map((entry) => entry.id)).catch(() => []);
    const misses: Waiting<T, Id>[] = [];
    batch.forEach((entry, i) => {
      const value = values[i];
      if (value === undefined) {
        if (!entry.isCancelled) misses.push(entry);
      } else entry.onDone(value);
    });
    // Newer than any miss already waiting, and the newest of them on top.
    waitingForOne.push(...misses.reverse());
  };

  const pump = (): void => {
    isPumpQueued = false;
    if (!isBatchInFlight && waiting.length > 0) {
      const batch = waiting.splice(Math.max(0, waiting.length - options.batchSize)).reverse();
      isBatchInFlight = true;
      void runBatch(batch).finally(() => {
        isBatchInFlight = false;
        pump();
      });
    }
    while (loadsRunning < options.loadsInFlight) {
      const next = waitingForOne.pop();
      if (!next) return;
      loadsRunning++;
      void loaders
        .loadOne(next.id)
        .then(next.onDone)
        .finally(() => {
          loadsRunning--;
          pump();
        });
    }
  };

  return {
    request(id, onDone) {
      const entry: Waiting<T, Id> = { id, onDone, isCancelled: false };
      waiting.push(entry);
      // After the current task, so that every cell settling in it joins one batch.
      if (!isPumpQueued) {
        isPumpQueued = true;
        queueMicrotask(pump);
      }
      return () => {
        entry.isCancelled = true;
        for (const list of [waiting, waitingForOne]) {
          const index = list.indexOf(entry);
          if (index !== -1) list.splice(index, 1);
        }
      };
    },
  };
};

export interface SettleTimer {
  /**
   * Calls `onSettled` after `ms`, unless the returned function cancels it first. Timers started in one task
   * share one clock and fire together, in the order they were started.
   */
  start(onSettled: () => void): () => void;
}

/**
 * The grid's settle: a cell asks for its thumbnail only once it has been on screen this long, so cells flung
 * past during a fast scroll cost nothing. The cells one render mounts settle at the same moment, so their
 * requests reach the queue in one task and go to the worker as one batch.
 */
export const createSettleTimer = (ms: number): SettleTimer => {
  let open: Set<() => void> | null = null;
  return {
    start(onSettled) {
      let group = open;
      if (!group) {
        const started = new Set<() => void>();
        open = group = started;
        queueMicrotask(() => {
          if (open === started) open = null;
        });
        setTimeout(() => {
          for (const run of started) run();
        }, ms);
      }
      const entry = (): void => onSettled();
      group.add(entry);
      const owner = group;
      return () => {
        owner.delete(entry);
      };
    },
  };
};
