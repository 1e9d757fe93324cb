/**
 * @module Timing helpers for the crypto benchmark: medians of repeated runs, and operations per second measured
 * over a fixed time budget. Wall-clock time on the machine running the bench; nothing here is asserted in tests.
 */

/** Median wall time in milliseconds of `runs` calls (after one warm-up call). */
export async function medianMs(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Calls `fn` repeatedly for about `budgetMs` (after a short warm-up) and returns calls per second. */
export async function opsPerSecond(budgetMs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const warmUntil = performance.now() + budgetMs / 10;
  while (performance.now() < warmUntil) await fn();
  let calls = 0;
  const start = performance.now();
  const end = start + budgetMs;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) await fn();
    calls += 16;
  }
  return calls / ((performance.now() - start) / 1000);
}

/** Same as opsPerSecond for synchronous work, without an await per call. */
export function opsPerSecondSync(budgetMs: number, fn: () => unknown): number {
  const warmUntil = performance.now() + budgetMs / 10;
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const start = performance.now();
  const end = start + budgetMs;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) fn();
    calls += 64;
  }
  return calls / ((performance.now() - start) / 1000);
}

export const megabytesPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
