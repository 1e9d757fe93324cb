import { describe, expect, it, vi } from 'vitest';
import { err, ok, type Result } from '../result';
import type { SyncReport } from './engine';
import type { SyncError } from './errors';
import { backoffDelay, createSyncRunner, type RunnerStatus } from './runner';
import type { ServerEvent } from './transport';

const report: SyncReport = { pushed: 0, pulled: 0, outboxLeft: 0 };
const offline: SyncError = { type: 'Transport', error: { type: 'NetworkFailure', message: 'down' } };

/** A sleep the test ends by hand; an abort ends it early, as with the real one. */
const manualSleep = () => {
  const waits: Array<{ ms: number; resolve: () => void }> = [];
  return {
    waits,
    sleep: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const wait = { ms, resolve };
        waits.push(wait);
        signal.addEventListener('abort', () => resolve());
      }),
    /** Ends the newest pending wait. */
    releaseLast: () => waits.at(-1)?.resolve(),
  };
};

/** An event stream the test feeds. */
const eventSource = () => {
  const queue: ServerEvent[] = [];
  let wake: (() => void) | null = null;
  return {
    send(event: ServerEvent) {
      queue.push(event);
      wake?.();
    },
    transport: {
      events: async (signal: AbortSignal) =>
        ok({
          async *[Symbol.asyncIterator]() {
            signal.addEventListener('abort', () => wake?.());
            while (!signal.aborted) {
              const next = queue.shift();
              if (next) yield next;
              else await new Promise<void>((resolve) => (wake = resolve));
            }
          },
        }),
    },
  };
};

const setup = (results: Array<Result<SyncReport, SyncError>>, online = { value: true }) => {
  const sleeper = manualSleep();
  const events = eventSource();
  const statuses: RunnerStatus[] = [];
  const listeners = new Set<(online: boolean) => void>();
  const syncOnce = vi.fn(async () => results.shift() ?? ok(report));
  const runner = createSyncRunner({
    engine: { syncOnce },
    transport: events.transport,
    network: {
      isOnline: () => online.value,
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    sleep: sleeper.sleep,
    random: () => 0.5,
    onStatus: (s) => statuses.push(s),
  });
  const setOnline = (value: boolean) => {
    online.value = value;
    for (const l of listeners) l(value);
  };
  return { runner, sleeper, events, statuses, syncOnce, setOnline };
};

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, jittered below it', () => {
    const top = (attempt: number) => backoffDelay(attempt, () => 0.999999, 1000, 60_000);
    expect([1, 2, 3, 4].map(top)).toEqual([999, 1999, 3999, 7999]);
    expect(top(30)).toBe(59_999);
    expect(backoffDelay(5, () => 0, 1000, 60_000)).toBe(0);
  });
});

describe('sync runner', () => {
  it('retries failed syncs after growing delays and goes idle after a success', async () => {
    const { runner, sleeper, statuses, syncOnce } = setup([err(offline), err(offline)]);
    const done = runner.start();
    await vi.waitFor(() =>
      expect(statuses.at(-1)).toMatchObject({ state: 'retrying', attempt: 1, delayMs: 500 }),
    );
    sleeper.releaseLast();
    await vi.waitFor(() =>
      expect(statuses.at(-1)).toMatchObject({ state: 'retrying', attempt: 2, delayMs: 1000 }),
    );
    sleeper.releaseLast();
    await vi.waitFor(() => expect(statuses.at(-1)).toMatchObject({ state: 'idle' }));
    expect(syncOnce).toHaveBeenCalledTimes(3);
    runner.stop();
    await done;
    expect(runner.status()).toEqual({ state: 'stopped' });
  });

  it('syncs again when the server pokes', async () => {
    const { runner, events, statuses, syncOnce } = setup([]);
    const done = runner.start();
    await vi.waitFor(() => expect(statuses.at(-1)).toMatchObject({ state: 'idle' }));
    const before = syncOnce.mock.calls.length;
    events.send({ type: 'poke', collectionId: '00000000-0000-4000-8000-000000000001', seq: 4 });
    await vi.waitFor(() => expect(syncOnce.mock.calls.length).toBeGreaterThan(before));
    runner.stop();
    await done;
  });

  it('syncs again after a local write asks for it', async () => {
    const { runner, statuses, syncOnce } = setup([]);
    const done = runner.start();
    await vi.waitFor(() => expect(statuses.at(-1)).toMatchObject({ state: 'idle' }));
    const before = syncOnce.mock.calls.length;
    runner.requestSync();
    await vi.waitFor(() => expect(syncOnce.mock.calls.length).toBeGreaterThan(before));
    runner.stop();
    await done;
  });

  it('waits while offline and syncs as soon as the network is back', async () => {
    const { runner, statuses, syncOnce, setOnline } = setup([], { value: false });
    const done = runner.start();
    await vi.waitFor(() => expect(statuses.at(-1)).toEqual({ state: 'offline' }));
    expect(syncOnce).not.toHaveBeenCalled();
    setOnline(true);
    await vi.waitFor(() => expect(syncOnce).toHaveBeenCalled());
    runner.stop();
    await done;
  });

  it('halts instead of retrying when the server sent data the client refused', async () => {
    const refused: SyncError = { type: 'ServerEpochChanged', expected: 'a', received: 'b' };
    const { runner, syncOnce } = setup([err(refused)]);
    await runner.start();
    expect(runner.status()).toEqual({ state: 'halted', error: refused });
    expect(syncOnce).toHaveBeenCalledTimes(1);
  });
});
