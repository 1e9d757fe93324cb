import { describe, expect, it } from 'vitest';
import { epochMsToLocalInput, localInputToEpochMs } from './local-date-time';

describe('datetime-local conversion', () => {
  it('round-trips a local wall time', () => {
    const instant = new Date(2026, 10, 22, 14, 5).getTime();
    expect(epochMsToLocalInput(instant)).toBe('2026-11-22T14:05');
    expect(localInputToEpochMs('2026-11-22T14:05')).toBe(instant);
  });

  it('refuses values that are not a real local date and time', () => {
    expect(localInputToEpochMs('')).toBeNull();
    expect(localInputToEpochMs('2026-02-31T10:00')).toBeNull();
    expect(localInputToEpochMs('yesterday')).toBeNull();
  });
});
