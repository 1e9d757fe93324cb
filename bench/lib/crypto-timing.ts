/**
 * @module Timing helpers for the crypto benchmark. The machine is shared (two cores, other processes running),
 * so every figure is the best of several runs: interference only ever makes a run slower, so the fastest run is
 * the closest to what the code costs. Halyon and libsodium are measured the same way in the same process.
 */

/** Fastest wall time in milliseconds of `runs` calls (after one warm-up call). */
export async function bestMs(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** Best calls per second over `windows` windows of `windowMs` each (after a warm-up window). */
export async function opsPerSecond(
  windows: number,
  windowMs: number,
  fn: () => Promise<unknown> | unknown,
): Promise<number> {
  let best = 0;
  for (let w = -1; w < windows; w++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < windowMs) {
      for (let i = 0; i < 16; i++) await fn();
      calls += 16;
    }
    if (w >= 0) best = Math.max(best, calls / ((performance.now() - start) / 1000));
  }
  return best;
}

/** Same as opsPerSecond for synchronous work, without an await per call. */
export function opsPerSecondSync(windows: number, windowMs: number, fn: () => unknown): number {
  let best = 0;
  for (let w = -1; w < windows; w++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < windowMs) {
      for (let i = 0; i < 64; i++) fn();
      calls += 64;
    }
    if (w >= 0) best = Math.max(best, calls / ((performance.now() - start) / 1000));
  }
  return best;
}

export const megabytesPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
