/**
 * @module The order in which grid cells get their thumbnails: newest request first (the cells just scrolled to),
 * at most a few at a time, and a request whose cell left the screen before its turn is dropped without ever
 * reaching the worker. Bounding what is in flight keeps the worker from building a backlog of thumbnails
 * nobody looks at any more, which it would otherwise keep decrypting after a fast scroll.
 */

export interface ThumbnailQueue {
  /**
   * Runs `load` when its turn comes; the returned function cancels it if it has not started yet (a started load
   * runs to the end, and `onDone` still gets its result).
   */
  request<T>(load: () => Promise<T>, onDone: (value: T) => void): () => void;
}

interface Waiting {
  readonly start: () => Promise<void>;
}

export const createThumbnailQueue = (concurrency: number): ThumbnailQueue => {
  // A stack: the last cell to ask is the one the person is looking at now.
  const waiting: Waiting[] = [];
  let running = 0;

  const pump = (): void => {
    while (running < concurrency) {
      const next = waiting.pop();
      if (!next) return;
      running++;
      void next.start().finally(() => {
        running--;
        pump();
      });
    }
  };

  return {
    request(load, onDone) {
      const entry: Waiting = { start: () => load().then(onDone) };
      waiting.push(entry);
      pump();
      return () => {
        const index = waiting.indexOf(entry);
        if (index !== -1) waiting.splice(index, 1);
      };
    },
  };
};
