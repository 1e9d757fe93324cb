/** @module Which month a scroll position falls in, by binary search over the month markers. */

import type { MonthMarker } from './timeline-layout';

/** The month whose section contains `top` (months are in timeline order, so their tops ascend). */
export const monthAt = (months: ReadonlyArray<MonthMarker>, top: number): MonthMarker | undefined => {
  let low = 0;
  let high = months.length - 1;
  let found: MonthMarker | undefined = months[0];
  while (low <= high) {
    const mid = (low + high) >> 1;
    const month = months[mid]!;
    if (month.top <= top) {
      found = month;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
};
