import { describe, expect, it } from 'vitest';
import type { PhotoId, PhotoSummary } from '../../app/vault-client';
import { keyboardTarget, moveItem, slotAt } from './reorder';
import { layoutTimeline } from './timeline-layout';

const photos = (count: number): PhotoSummary[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `p${i}` as PhotoId,
    takenAt: 1_700_000_000_000 - i * 60_000,
    aspectRatio: 1,
    mediaType: 'image',
    isFavourite: false,
    isPending: false,
    hasThumbnail: true,
  }));

// 4 columns of 100 px with 4 px gaps (a row every 104 px), no headers: an album.
const albumLayout = (count: number) =>
  layoutTimeline(photos(count), { width: 412, groupByDate: false, targetCellSize: 100, minColumns: 4 });

describe('arranging an album', () => {
  it('moves one item to its final index, either way, clamped', () => {
    const items = ['a', 'b', 'c', 'd'];
    expect(moveItem(items, 0, 2)).toEqual(['b', 'c', 'a', 'd']);
    expect(moveItem(items, 3, 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(moveItem(items, 1, 99)).toEqual(['a', 'c', 'd', 'b']);
    expect(moveItem(items, 2, 2)).toBe(items);
  });

  it('finds the slot under the pointer, the first above the grid and the last past the end', () => {
    const layout = albumLayout(10);
    expect(layout.columns).toBe(4);
    expect(slotAt(layout, 10, 10)).toBe(0);
    expect(slotAt(layout, 210, 10)).toBe(2);
    expect(slotAt(layout, 110, 120)).toBe(5);
    // The gap after a cell belongs to it; far right is the row's last cell.
    expect(slotAt(layout, 102, 120)).toBe(4);
    expect(slotAt(layout, 5000, 120)).toBe(7);
    expect(slotAt(layout, 10, -50)).toBe(0);
    // Row 3 has two photos: right of them, and below everything, is the last slot.
    expect(slotAt(layout, 350, 215)).toBe(9);
    expect(slotAt(layout, 10, 5000)).toBe(8);
  });

  it('moves with the keys as focus would: along the order, and a row up or down', () => {
    const layout = albumLayout(10);
    expect(keyboardTarget(layout, 1, 'right')).toBe(2);
    expect(keyboardTarget(layout, 1, 'down')).toBe(5);
    expect(keyboardTarget(layout, 5, 'up')).toBe(1);
    expect(keyboardTarget(layout, 9, 'right')).toBe(9);
    expect(keyboardTarget(layout, 4, 'first')).toBe(0);
    expect(keyboardTarget(layout, 4, 'last')).toBe(9);
  });
});
