import { describe, expect, it } from 'vitest';
import { createThumbnailQueue } from './thumbnail-queue';

/** A load that finishes when the test says so, recording when it started. */
const controlledLoads = () => {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const load = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      finishers.set(name, () => resolve(name));
    });
  const finish = async (name: string): Promise<void> => {
    finishers.get(name)!();
    // Let the queue's promise chain run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { started, load, finish };
};

describe('thumbnail queue', () => {
  it('runs at most `concurrency` loads at once, then the newest waiting request first', async () => {
    const queue = createThumbnailQueue(2);
    const { started, load, finish } = controlledLoads();
    const done: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) queue.request(load(name), (value) => done.push(value));

    expect(started).toEqual(['a', 'b']);
    await finish('a');
    expect(started).toEqual(['a', 'b', 'e']);
    await finish('b');
    expect(started).toEqual(['a', 'b', 'e', 'd']);
    await finish('e');
    expect(started).toEqual(['a', 'b', 'e', 'd', 'c']);
    expect(done).toEqual(['a', 'b', 'e']);
  });

  it('never starts a request cancelled while waiting, and a cancelled one frees no slot twice', async () => {
    const queue = createThumbnailQueue(1);
    const { started, load, finish } = controlledLoads();
    const done: string[] = [];
    queue.request(load('a'), (value) => done.push(value));
    const cancelB = queue.request(load('b'), (value) => done.push(value));
    const cancelC = queue.request(load('c'), (value) => done.push(value));
    queue.request(load('d'), (value) => done.push(value));
    cancelC();
    cancelB();

    await finish('a');
    expect(started).toEqual(['a', 'd']);
    await finish('d');
    expect(started).toEqual(['a', 'd']);
    expect(done).toEqual(['a', 'd']);
  });

  it('lets a started load finish and report even when cancelled', async () => {
    const queue = createThumbnailQueue(1);
    const { started, load, finish } = controlledLoads();
    const done: string[] = [];
    const cancelA = queue.request(load('a'), (value) => done.push(value));
    queue.request(load('b'), (value) => done.push(value));
    cancelA();

    await finish('a');
    expect(done).toEqual(['a']);
    expect(started).toEqual(['a', 'b']);
  });
});
