import { describe, expect, it } from 'vitest';
import type { PhotoId, PhotoSummary } from '../../app/vault-client';
import { EMPTY_SELECTION, keepVisible, selectAll, selectRange, toggleInSelection } from './selection';

const photos: PhotoSummary[] = Array.from({ length: 6 }, (_, i) => ({
  id: `p${i}` as PhotoId,
  takenAt: 0,
  aspectRatio: 1,
  mediaType: 'image',
  isFavourite: false,
  isPending: false,
  hasThumbnail: true,
}));
const ids = (selection: ReadonlySet<PhotoId>) => [...selection].sort();

describe('selection', () => {
  it('toggles one photo in and out without changing the original set', () => {
    const one = toggleInSelection(EMPTY_SELECTION, 'p2' as PhotoId);
    expect(ids(one)).toEqual(['p2']);
    expect(ids(toggleInSelection(one, 'p2' as PhotoId))).toEqual([]);
    expect(EMPTY_SELECTION.size).toBe(0);
  });

  it('adds a range in either direction to what was selected (shift-click, drag)', () => {
    const base = new Set(['p0' as PhotoId]);
    expect(ids(selectRange(base, photos, 4, 2))).toEqual(['p0', 'p2', 'p3', 'p4']);
    expect(ids(selectRange(base, photos, 2, 4))).toEqual(['p0', 'p2', 'p3', 'p4']);
  });

  it('selects all', () => {
    expect(selectAll(photos).size).toBe(6);
  });

  it('drops photos that are no longer shown, and keeps the same set when nothing changed', () => {
    const selection = new Set(['p1', 'p9'] as PhotoId[]);
    const visible = new Map(photos.map((p, i) => [p.id, i] as const));
    expect(ids(keepVisible(selection, visible))).toEqual(['p1']);
    const unchanged = new Set(['p1'] as PhotoId[]);
    expect(keepVisible(unchanged, visible)).toBe(unchanged);
  });
});
