/**
 * @module Arranging an album's photos, as pure functions: where a photo lands for a pointer position or an
 * arrow key, and the list with one photo moved (what the grid shows while dragging, before the worker answers).
 * Indexes are final positions: `to` is where the photo sits once moved, as client-core's `moveInAlbum` takes it.
 */

import type { PhotoId } from '../../app/vault-client';
import { type FocusMove, movePhotoFocus, type TimelineLayout } from './timeline-layout';

/** The list with the item at `from` moved to index `to` (both clamped). Returns the list itself if unmoved. */
export const moveItem = <T>(items: ReadonlyArray<T>, from: number, to: number): ReadonlyArray<T> => {
  const target = Math.max(0, Math.min(items.length - 1, to));
  if (from < 0 || from >= items.length || from === target) return items;
  const next = items.slice();
  const [item] = next.splice(from, 1);
  next.splice(target, 0, item!);
  return next;
};

/**
 * The photo slot under a point of the grid's canvas (pixels from its top left): the dragged photo takes that
 * slot. Above the grid counts as the first row, below it as the last, right of a row's end as its last cell.
 */
export const slotAt = (layout: TimelineLayout, x: number, y: number): number => {
  const total = layout.rowOfPhoto.length;
  if (total === 0) return -1;
  let low = 0;
  let high = layout.rows.length - 1;
  // The last row whose top is at or above y.
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((layout.rowTops[mid] ?? 0) <= y) low = mid;
    else high = mid - 1;
  }
  let rowIndex = low;
  while (rowIndex < layout.rows.length && layout.rows[rowIndex]?.kind !== 'cells') rowIndex++;
  const row = layout.rows[rowIndex];
  if (row?.kind !== 'cells') return total - 1;
  if (y < 0) return row.first;
  const column = Math.floor(Math.max(0, x) / (layout.cellSize + layout.gap));
  return row.first + Math.min(column, row.count - 1);
};

/** Alt + these keys move the focused photo while arranging. */
export const ARRANGE_KEYS: Readonly<Record<string, FocusMove>> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Home: 'first',
  End: 'last',
};

/** Where a keyboard move takes the photo at `index`: the slot that focus would move to. */
export const keyboardTarget = (layout: TimelineLayout, index: number, move: FocusMove): number =>
  movePhotoFocus(layout, index, move);

/** "Moved to position 3 of 12", for screen readers. */
export const describePosition = (index: number, total: number): string =>
  `Moved to position ${index + 1} of ${total}`;

export const indexOfId = (photos: ReadonlyArray<{ readonly id: PhotoId }>, id: PhotoId): number =>
  photos.findIndex((p) => p.id === id);
