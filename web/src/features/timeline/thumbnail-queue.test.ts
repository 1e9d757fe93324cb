import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSettleTimer, createThumbnailQueue } from './thumbnail-queue';

const settle = async (): Promise<void> => {
  // Let the queue's microtasks and promise chains run.
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/**
 * Loaders that finish when the test says so. `cached` names are served by a batch; any other name is a miss
 * there and is loaded one by one.
 */
const controlledLoaders = (cached: ReadonlySet<string>) => {
  const batches: string[][] = [];
  const singles: string[] = [];
  const batchFinishers: Array<() => void> = [];
  const singleFinishers = new Map<string, () => void>();
  const loaders = {
    loadMany: (ids: ReadonlyArray<string>) =>
      new Promise<ReadonlyArray<string | undefined>>((resolve) => {
        batches.push([...ids]);
        batchFinishers.push(() => resolve(ids.map((id) => (cached.has(id) ? id : undefined))));
      }),
    loadOne: (id: string) =>
      new Promise<string>((resolve) => {
        singles.push(id);
        singleFinishers.set(id, () => resolve(`${id} (downloaded)`));
      }),
  };
  const finishBatch = async (n: number) => {
    batchFinishers[n]!();
    await settle();
  };
  const finishSingle = async (id: string) => {
    singleFinishers.get(id)!();
    await settle();
  };
  return { loaders, batches, singles, finishBatch, finishSingle };
};

describe('thumbnail queue', () => {
  it('sends the requests of one task as one batch, newest first, and the next ones once it is back', async () => {
    const { loaders, batches, finishBatch } = controlledLoaders(new Set(['a', 'b', 'c', 'd', 'e']));
    const queue = createThumbnailQueue(loaders, { batchSize: 10, loadsInFlight: 2 });
    const done: string[] = [];
    for (const id of ['a', 'b', 'c']) queue.request(id, (value) => done.push(value));
    expect(batches).toEqual([]);
    await settle();
    expect(batches).toEqual([['c', 'b', 'a']]);

    for (const id of ['d', 'e']) queue.request(id, (value) => done.push(value));
    await settle();
    expect(batches).toHaveLength(1);
    await finishBatch(0);
    expect(done).toEqual(['c', 'b', 'a']);
    expect(batches[1]).toEqual(['e', 'd']);
    await finishBatch(1);
    expect(done).toEqual(['c', 'b', 'a', 'e', 'd']);
  });

  it('takes at most `batchSize` requests at once, the newest', async () => {
    const { loaders, batches, finishBatch } = controlledLoaders(new Set(['a', 'b', 'c', 'd']));
    const queue = createThumbnailQueue(loaders, { batchSize: 3, loadsInFlight: 1 });
    for (const id of ['a', 'b', 'c', 'd']) queue.request(id, () => {});
    await settle();
    expect(batches).toEqual([['d', 'c', 'b']]);
    await finishBatch(0);
    expect(batches[1]).toEqual(['a']);
  });

  it('loads what the batch could not serve one by one, `loadsInFlight` at a time, newest first', async () => {
    const { loaders, batches, singles, finishBatch, finishSingle } = controlledLoaders(new Set(['b']));
    const queue = createThumbnailQueue(loaders, { batchSize: 10, loadsInFlight: 2 });
    const done: string[] = [];
    for (const id of ['a', 'b', 'c', 'd']) queue.request(id, (value) => done.push(value));
    await settle();
    await finishBatch(0);
    expect(batches).toEqual([['d', 'c', 'b', 'a']]);
    expect(done).toEqual(['b']);
    expect(singles).toEqual(['d', 'c']);
    await finishSingle('d');
    expect(singles).toEqual(['d', 'c', 'a']);
    expect(done).toEqual(['b', 'd (downloaded)']);
  });

  it('never sends a request cancelled while waiting, in either stage', async () => {
    const { loaders, batches, singles, finishBatch, finishSingle } = controlledLoaders(new Set());
    const queue = createThumbnailQueue(loaders, { batchSize: 10, loadsInFlight: 1 });
    queue.request('a', () => {});
    await settle();
    const cancelB = queue.request('b', () => {});
    queue.request('c', () => {});
    cancelB();
    await finishBatch(0);
    // 'a' missed the cache: it waits for its download; 'c' goes in the next batch; 'b' nowhere.
    expect(batches).toEqual([['a'], ['c']]);
    expect(singles).toEqual(['a']);
    await finishBatch(1);
    expect(singles).toEqual(['a']);
    await finishSingle('a');
    expect(singles).toEqual(['a', 'c']);

    // A request cancelled while its batch is out is not downloaded when the batch comes back without it.
    const cancelD = queue.request('d', () => {});
    await settle();
    cancelD();
    await finishBatch(2);
    await finishSingle('c');
    expect(singles).toEqual(['a', 'c']);
  });

  it('lets a started batch report to a request cancelled meanwhile (the grid frees what it gets)', async () => {
    const { loaders, finishBatch } = controlledLoaders(new Set(['a']));
    const queue = createThumbnailQueue(loaders, { batchSize: 10, loadsInFlight: 1 });
    const done: string[] = [];
    const cancelA = queue.request('a', (value) => done.push(value));
    await settle();
    cancelA();
    await finishBatch(0);
    expect(done).toEqual(['a']);
  });

  it('falls back to loading one by one when a batch fails', async () => {
    const singles: string[] = [];
    const queue = createThumbnailQueue<string>(
      {
        loadMany: () => Promise.reject(new Error('worker gone')),
        loadOne: async (id) => {
          singles.push(id);
          return id;
        },
      },
      { batchSize: 10, loadsInFlight: 4 },
    );
    const done: string[] = [];
    for (const id of ['a', 'b']) queue.request(id, (value) => done.push(value));
    await settle();
    await settle();
    expect(done.sort()).toEqual(['a', 'b']);
  });
});

describe('settle timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires after the delay, together for timers started in one task, never for a cancelled one', async () => {
    vi.useFakeTimers();
    const timer = createSettleTimer(40);
    const fired: string[] = [];
    timer.start(() => fired.push('a'));
    const cancelB = timer.start(() => fired.push('b'));
    timer.start(() => fired.push('c'));
    cancelB();
    await vi.advanceTimersByTimeAsync(39);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['a', 'c']);
  });

  it('gives a timer started in a later task its own full delay', async () => {
    vi.useFakeTimers();
    const timer = createSettleTimer(40);
    const fired: string[] = [];
    timer.start(() => fired.push('first'));
    await vi.advanceTimersByTimeAsync(20);
    timer.start(() => fired.push('later'));
    await vi.advanceTimersByTimeAsync(20);
    expect(fired).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(19);
    expect(fired).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['first', 'later']);
  });
});
