import { describe, expect, it } from 'vitest';
import { monthAt } from './month-at';

const months = [
  { label: 'March 2026', year: 2026, top: 0 },
  { label: 'February 2026', year: 2026, top: 500 },
  { label: 'December 2025', year: 2025, top: 900 },
];

describe('monthAt', () => {
  it('finds the month whose section holds a scroll position', () => {
    expect(monthAt(months, 0)?.label).toBe('March 2026');
    expect(monthAt(months, 499)?.label).toBe('March 2026');
    expect(monthAt(months, 500)?.label).toBe('February 2026');
    expect(monthAt(months, 5000)?.label).toBe('December 2025');
  });

  it('has no month for an empty timeline', () => {
    expect(monthAt([], 10)).toBeUndefined();
  });
});
