import { describe, expect, it } from 'vitest';
import type { PhotoId, PhotoSummary } from '../../app/vault-client';
import { gridMetricsFor, layoutTimeline, movePhotoFocus } from './timeline-layout';

const HOUR = 3_600_000;
const photo = (n: number, takenAt: number): PhotoSummary => ({
  id: `p${n}` as PhotoId,
  takenAt,
  aspectRatio: 1,
  mediaType: 'image',
  isFavourite: false,
  isPending: false,
  hasThumbnail: true,
});
const at = (y: number, m: number, d: number, h = 12) => new Date(y, m, d, h).getTime();

// Newest first: 2 photos on 3 Mar 2026, 5 on 1 Mar 2026, 1 on 20 Feb 2026.
const photos = [
  photo(0, at(2026, 2, 3, 15)),
  photo(1, at(2026, 2, 3, 9)),
  ...[0, 1, 2, 3, 4].map((i) => photo(2 + i, at(2026, 2, 1, 20) - i * HOUR)),
  photo(7, at(2026, 1, 20)),
];
const options = {
  width: 3 * 100 + 2 * 4,
  groupByDate: true,
  targetCellSize: 100,
  gap: 4,
  now: at(2026, 5, 1),
};

describe('layoutTimeline', () => {
  it('puts month and day headers before their photos and wraps days into rows of the column count', () => {
    const layout = layoutTimeline(photos, options);
    expect(layout.columns).toBe(3);
    expect(layout.rows.map((r) => (r.kind === 'cells' ? `cells ${r.first}+${r.count}` : r.kind))).toEqual([
      'month',
      'day',
      'cells 0+2',
      'day',
      'cells 2+3',
      'cells 5+2',
      'month',
      'day',
      'cells 7+1',
    ]);
    expect(layout.months.map((m) => m.year)).toEqual([2026, 2026]);
  });

  it('gives every row an offset equal to the sum of the heights above it', () => {
    const layout = layoutTimeline(photos, options);
    let top = 0;
    layout.rows.forEach((_, i) => {
      expect(layout.rowTops[i]).toBe(top);
      top += layout.rowHeights[i]!;
    });
    expect(layout.totalHeight).toBe(top);
    expect(layout.months[1]!.top).toBe(layout.rowTops[6]);
  });

  it('maps each photo to its cells row and back by id', () => {
    const layout = layoutTimeline(photos, options);
    expect(Array.from(layout.rowOfPhoto)).toEqual([2, 2, 4, 4, 4, 5, 5, 8]);
    expect(layout.indexById.get('p6' as PhotoId)).toBe(6);
  });

  it('leaves out headers when not grouping by date (albums keep their order)', () => {
    const layout = layoutTimeline(photos, { ...options, groupByDate: false });
    expect(layout.rows.every((r) => r.kind === 'cells')).toBe(true);
    expect(layout.rows).toHaveLength(3);
    expect(layout.months).toEqual([]);
  });

  it('lays out 100,000 photos', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => photo(i, at(2026, 0, 1) - i * HOUR));
    const layout = layoutTimeline(many, { ...options, width: 1200 });
    expect(layout.rowOfPhoto).toHaveLength(100_000);
    expect(layout.rows.at(-1)).toMatchObject({ kind: 'cells' });
  });
});

describe('gridMetricsFor', () => {
  it('fits as many cells near the target size as the width allows, at least the minimum', () => {
    expect(gridMetricsFor(1000, 180, 3, 4).columns).toBe(5);
    expect(gridMetricsFor(320, 180, 3, 4).columns).toBe(3);
    const { columns, cellSize } = gridMetricsFor(1000, 180, 3, 4);
    expect(columns * cellSize + (columns - 1) * 4).toBeCloseTo(1000);
  });
});

describe('movePhotoFocus', () => {
  const layout = layoutTimeline(photos, options);

  it('moves left and right through the photo order, stopping at the ends', () => {
    expect(movePhotoFocus(layout, 1, 'right')).toBe(2);
    expect(movePhotoFocus(layout, 0, 'left')).toBe(0);
    expect(movePhotoFocus(layout, 7, 'right')).toBe(7);
  });

  it('moves up and down across headers, keeping the column or clamping to a shorter row', () => {
    expect(movePhotoFocus(layout, 1, 'down')).toBe(3); // column 1 of the next day
    expect(movePhotoFocus(layout, 4, 'down')).toBe(6); // column 2 -> the shorter row's last
    expect(movePhotoFocus(layout, 6, 'down')).toBe(7);
    expect(movePhotoFocus(layout, 3, 'up')).toBe(1);
  });

  it('goes to the first or last photo from the top or bottom row and with Home/End', () => {
    expect(movePhotoFocus(layout, 1, 'up')).toBe(0);
    expect(movePhotoFocus(layout, 7, 'down')).toBe(7);
    expect(movePhotoFocus(layout, 4, 'first')).toBe(0);
    expect(movePhotoFocus(layout, 4, 'last')).toBe(7);
    expect(movePhotoFocus(layout, 0, 'pageDown', 2)).toBe(5); // two cell rows down, same column
  });
});
