import { describe, expect, it } from 'vitest';
import { countingActivity, createAutoLock } from './auto-lock';

const manualTimers = () => {
  const pending = new Map<number, { run: () => void; ms: number }>();
  let next = 0;
  return {
    setTimer: (run: () => void, ms: number) => {
      pending.set(++next, { run, ms });
      return next;
    },
    clearTimer: (timer: unknown) => void pending.delete(timer as number),
    pending,
    fireAll: () => {
      for (const [id, { run }] of [...pending]) {
        pending.delete(id);
        run();
      }
    },
  };
};

describe('auto-lock', () => {
  it('locks after the chosen quiet spell, and activity starts the countdown again', () => {
    const timers = manualTimers();
    let locks = 0;
    const autoLock = createAutoLock({ lock: () => locks++, ...timers });
    autoLock.setMinutes(5);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([5 * 60_000]);
    autoLock.touch();
    expect(timers.pending.size).toBe(1);
    timers.fireAll();
    expect(locks).toBe(1);
  });

  it('never locks when set to never, or once stopped', () => {
    const timers = manualTimers();
    let locks = 0;
    const autoLock = createAutoLock({ lock: () => locks++, ...timers });
    autoLock.setMinutes(null);
    autoLock.touch();
    expect(timers.pending.size).toBe(0);
    autoLock.setMinutes(1);
    autoLock.stop();
    timers.fireAll();
    expect(locks).toBe(0);
    expect(autoLock.minutes()).toBe(1);
  });

  it('counts calls to foreground methods only', async () => {
    let touches = 0;
    const api = countingActivity(
      { getPhoto: async (id: string) => id, subscribe: async () => 'detached' },
      () => touches++,
      new Set(['subscribe'] as const),
    );
    expect(await api.getPhoto('p1')).toBe('p1');
    await api.subscribe();
    expect(touches).toBe(1);
  });
});
