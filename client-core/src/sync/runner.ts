/**
 * @module When to sync: at start, after local writes, on the server's pokes (SSE), on a poll as fallback when the
 * event stream is down, when the network comes back; with exponential backoff and full jitter after failures.
 * A server that sends refused data or changed its epoch halts sync until the user acts: retrying cannot help.
 */

import type { SyncEngine, SyncReport } from './engine';
import type { SyncError } from './errors';
import type { Transport } from './transport';

export interface NetworkStatus {
  isOnline(): boolean;
  /** Returns the unsubscribe. */
  onChange(listener: (online: boolean) => void): () => void;
}

export type RunnerStatus =
  | { readonly state: 'idle'; readonly live: boolean; readonly lastSync: SyncReport | null }
  | { readonly state: 'syncing' }
  | { readonly state: 'offline' }
  | {
      readonly state: 'retrying';
      readonly error: SyncError;
      readonly attempt: number;
      readonly delayMs: number;
    }
  | { readonly state: 'halted'; readonly error: SyncError }
  | { readonly state: 'stopped' };

export interface SyncRunnerDeps {
  readonly engine: Pick<SyncEngine, 'syncOnce'>;
  readonly transport: Pick<Transport, 'events'>;
  readonly network: NetworkStatus;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly onStatus?: (status: RunnerStatus) => void;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** How often to pull when the event stream is down, and as a safety net when it is up. */
  readonly pollMs?: number;
  readonly livePollMs?: number;
}

/** "Full jitter": uniformly random in [0, min(max, base * 2^(attempt - 1))]. */
export const backoffDelay = (attempt: number, random: () => number, baseMs: number, maxMs: number): number =>
  Math.floor(random() * Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1)));

/** Errors that retrying cannot fix: the server's data was refused, or it is not the server we knew. */
export const isHaltingError = (error: SyncError): boolean =>
  error.type === 'RecordsRefused' ||
  error.type === 'ServerEpochChanged' ||
  error.type === 'CursorRolledBack' ||
  error.type === 'InvalidPushResults' ||
  error.type === 'KeyUnwrapFailed' ||
  (error.type === 'Transport' &&
    error.error.type === 'ProblemResponse' &&
    ['unauthorized', 'token_expired', 'forbidden'].includes(error.error.problem.code));

/** A wake-up call: `wait` resolves on `wake()` or after its timeout, whichever is first. */
const createWakeup = () => {
  let pending = false;
  let wakeCurrent: (() => void) | null = null;
  return {
    wake() {
      pending = true;
      wakeCurrent?.();
    },
    async wait(ms: number, sleep: SyncRunnerDeps['sleep'], stop: AbortSignal): Promise<void> {
      if (pending) {
        pending = false;
        return;
      }
      const early = new AbortController();
      const onStop = () => early.abort();
      stop.addEventListener('abort', onStop);
      wakeCurrent = () => early.abort();
      try {
        await sleep(ms, early.signal);
      } finally {
        wakeCurrent = null;
        stop.removeEventListener('abort', onStop);
        pending = false;
      }
    },
  };
};

export const createSyncRunner = (deps: SyncRunnerDeps) => {
  const baseMs = deps.backoffBaseMs ?? 1000;
  const maxMs = deps.backoffMaxMs ?? 5 * 60_000;
  const pollMs = deps.pollMs ?? 30_000;
  const livePollMs = deps.livePollMs ?? 5 * 60_000;
  const wakeup = createWakeup();
  let stopper: AbortController | null = null;
  let live = false;
  let status: RunnerStatus = { state: 'stopped' };
  const setStatus = (next: RunnerStatus) => {
    status = next;
    deps.onStatus?.(next);
  };

  const syncLoop = async (stop: AbortSignal) => {
    let attempt = 0;
    let lastSync: SyncReport | null = null;
    while (!stop.aborted) {
      if (!deps.network.isOnline()) {
        setStatus({ state: 'offline' });
        await wakeup.wait(pollMs, deps.sleep, stop);
        continue;
      }
      setStatus({ state: 'syncing' });
      const result = await deps.engine.syncOnce();
      if (stop.aborted) break;
      if (result.ok) {
        attempt = 0;
        lastSync = result.value;
        setStatus({ state: 'idle', live, lastSync });
        await wakeup.wait(live ? livePollMs : pollMs, deps.sleep, stop);
      } else if (isHaltingError(result.error)) {
        setStatus({ state: 'halted', error: result.error });
        return;
      } else {
        attempt++;
        const delayMs = backoffDelay(attempt, deps.random, baseMs, maxMs);
        setStatus({ state: 'retrying', error: result.error, attempt, delayMs });
        // Not woken early by local writes: only time (or the network coming back, see start) ends a backoff.
        await deps.sleep(delayMs, stop);
      }
    }
  };

  const eventLoop = async (stop: AbortSignal) => {
    let attempt = 0;
    while (!stop.aborted) {
      if (!deps.network.isOnline()) {
        await deps.sleep(pollMs, stop);
        continue;
      }
      const stream = await deps.transport.events(stop);
      if (stream.ok) {
        try {
          for await (const event of stream.value) {
            attempt = 0;
            live = true;
            if (event.type === 'poke' || event.type === 'collections' || event.type === 'ready')
              wakeup.wake();
          }
        } catch {
          // A broken stream ends like a closed one: fall back to polling and reconnect.
        }
      }
      live = false;
      if (stop.aborted) break;
      attempt++;
      await deps.sleep(backoffDelay(attempt, deps.random, baseMs, maxMs), stop);
    }
  };

  return {
    status: () => status,
    /** Starts syncing (idempotent). Resolves when stopped or halted. */
    start(): Promise<void> {
      if (stopper) return Promise.resolve();
      const stop = new AbortController();
      stopper = stop;
      const offNetwork = deps.network.onChange((online) => {
        if (online) wakeup.wake();
      });
      const events = eventLoop(stop.signal);
      return syncLoop(stop.signal).finally(async () => {
        stop.abort();
        offNetwork();
        await events;
        if (stopper === stop) stopper = null;
        if (status.state !== 'halted') setStatus({ state: 'stopped' });
      });
    },
    /** Local writes call this so they leave the device soon. */
    requestSync: () => wakeup.wake(),
    stop() {
      stopper?.abort();
    },
  };
};

export type SyncRunner = ReturnType<typeof createSyncRunner>;

export const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
