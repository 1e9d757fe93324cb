/**
 * @module Timing helpers for the crypto benchmark. The machine is shared (two cores, other processes running),
 * so the two sides of each comparison are measured in alternating rounds (both see the same background load)
 * and each keeps its best round: interference only ever makes a round slower, so the fastest round is the
 * closest to what the code costs.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Work = () => Promise<unknown> | unknown;

// A full GC before each timed call, outside the timing, so no side pays for garbage the other side left
// (libsodium's secretstream copies every chunk out of its heap). The flag is set at run time because the bench
// script runs under tsx without extra node flags.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
/** One figure per function passed, as a tuple of the same length. */
type NumberPerWork<F extends Work[]> = { [K in keyof F]: number };

async function timeMs(fn: Work): Promise<number> {
  collectGarbage();
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Fastest wall time in ms of each function, over `rounds` alternating rounds (after one warm-up call each). */
export async function bestMsOfEach<const F extends Work[]>(
  rounds: number,
  ...fns: F
): Promise<NumberPerWork<F>> {
  for (const fn of fns) await fn();
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    for (const [i, fn] of fns.entries()) best[i] = Math.min(best[i]!, await timeMs(fn));
  }
  return best as NumberPerWork<F>;
}

async function callsPerSecond(windowMs: number, fn: Work, isSync: boolean): Promise<number> {
  collectGarbage();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < windowMs) {
    if (isSync) for (let i = 0; i < 64; i++) fn();
    else for (let i = 0; i < 64; i++) await fn();
    calls += 64;
  }
  return calls / ((performance.now() - start) / 1000);
}

/**
 * Best calls per second of each function over `rounds` alternating windows of `windowMs`. Functions returning a
 * promise are awaited one call at a time; synchronous ones run without an await per call.
 */
export async function bestOpsPerSecondOfEach<const F extends Work[]>(
  rounds: number,
  windowMs: number,
  ...fns: F
): Promise<NumberPerWork<F>> {
  const isSync = fns.map((fn) => !(fn() instanceof Promise)); // also the warm-up call
  const best = fns.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [i, fn] of fns.entries()) {
      best[i] = Math.max(best[i]!, await callsPerSecond(windowMs, fn, isSync[i]!));
    }
  }
  return best as NumberPerWork<F>;
}

const minorPageFaults = () => process.resourceUsage().minorPageFault;

/** Median minor page faults per call of each function, over `rounds` alternating rounds (GC before each call). */
export async function medianMinorPageFaults<const F extends Work[]>(
  rounds: number,
  ...fns: F
): Promise<NumberPerWork<F>> {
  const counts = fns.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, fn] of fns.entries()) {
      collectGarbage();
      const before = minorPageFaults();
      await fn();
      counts[i]!.push(minorPageFaults() - before);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  return counts.map(median) as NumberPerWork<F>;
}

export const megabytesPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
