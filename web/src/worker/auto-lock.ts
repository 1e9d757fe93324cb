/**
 * @module Locks the vault after a quiet spell: every call the page makes (opening a photo, scrolling
 * thumbnails in, editing) counts as activity; background calls (event subscriptions, status polls) do not.
 * null minutes = never.
 */

export interface AutoLock {
  /** Activity: restarts the countdown. */
  readonly touch: () => void;
  readonly setMinutes: (minutes: number | null) => void;
  readonly minutes: () => number | null;
  /** Stops counting (the vault was locked or signed out). */
  readonly stop: () => void;
}

export interface AutoLockDeps {
  readonly lock: () => void;
  readonly setTimer?: (run: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
}

export const createAutoLock = (deps: AutoLockDeps): AutoLock => {
  const setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  let minutes: number | null = null;
  let timer: unknown = null;
  const stop = () => {
    if (timer !== null) clearTimer(timer);
    timer = null;
  };
  const touch = () => {
    stop();
    if (minutes !== null) timer = setTimer(deps.lock, minutes * 60_000);
  };
  return {
    touch,
    setMinutes(next) {
      minutes = next;
      touch();
    },
    minutes: () => minutes,
    stop,
  };
};

/** Wraps every method but the listed background ones so that calling it counts as activity. */
export const countingActivity = <T extends object>(
  target: T,
  touch: () => void,
  background: ReadonlySet<keyof T>,
): T => {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    wrapped[name] =
      typeof value === 'function' && !background.has(name as keyof T)
        ? (...args: unknown[]) => {
            touch();
            return (value as (...a: unknown[]) => unknown)(...args);
          }
        : value;
  }
  return wrapped as T;
};
