import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { localDay } from './queries';

/** The day as the Date getters give it, one instant at a time: what localDay's cached day bounds must agree with. */
const dayOfEach = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
const HOUR = 3_600_000;

describe('localDay', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  // Berlin: daylight saving at 02:00; Santiago and Beirut: at midnight (that midnight does not exist); Kolkata:
  // a half-hour offset; Apia: skipped a whole day (2011-12-30).
  for (const timeZone of [
    'UTC',
    'Europe/Berlin',
    'America/Santiago',
    'Asia/Beirut',
    'Asia/Kolkata',
    'Pacific/Apia',
  ]) {
    it(`matches the Date getters for instants in order and at random (${timeZone})`, () => {
      process.env.TZ = timeZone;
      // Every 17 minutes through years with daylight-saving changes, as a sorted timeline asks.
      for (let ms = Date.UTC(2011, 0, 1); ms < Date.UTC(2013, 0, 1); ms += 37 * 60_000) {
        expect(localDay(ms)).toBe(dayOfEach(ms));
      }
      for (let ms = Date.UTC(2013, 0, 1); ms > Date.UTC(2011, 0, 1); ms -= 7 * HOUR + 1) {
        expect(localDay(ms)).toBe(dayOfEach(ms));
      }
      fc.assert(
        fc.property(fc.integer({ min: -62_000_000_000_000, max: 8_000_000_000_000 }), (ms) => {
          expect(localDay(ms)).toBe(dayOfEach(ms));
          expect(localDay(ms + HOUR)).toBe(dayOfEach(ms + HOUR));
        }),
      );
    });
  }
});
