/**
 * @module Selection rules of the timeline as pure functions over an immutable set of ids: toggle, ranges
 * (shift-click, shift+arrows, drag) and select-all. The grid component only decides which rule applies.
 */

import type { PhotoId, PhotoSummary } from '../../app/vault-client';

export type Selection = ReadonlySet<PhotoId>;

export const EMPTY_SELECTION: Selection = new Set();

export const toggleInSelection = (selection: Selection, id: PhotoId): Selection => {
  const next = new Set(selection);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
};

/** The ids between two positions, both ends included, in either order. */
export const idsBetween = (
  photos: ReadonlyArray<PhotoSummary>,
  from: number,
  to: number,
): ReadonlyArray<PhotoId> => {
  const start = Math.max(0, Math.min(from, to));
  const end = Math.min(photos.length - 1, Math.max(from, to));
  const ids: PhotoId[] = [];
  for (let i = start; i <= end; i++) ids.push(photos[i]!.id);
  return ids;
};

/** `base` plus the range between `anchor` and `index`: what shift-click and drag produce. */
export const selectRange = (
  base: Selection,
  photos: ReadonlyArray<PhotoSummary>,
  anchor: number,
  index: number,
): Selection => {
  const next = new Set(base);
  for (const id of idsBetween(photos, anchor, index)) next.add(id);
  return next;
};

export const selectAll = (photos: ReadonlyArray<PhotoSummary>): Selection => new Set(photos.map((p) => p.id));

/** Drops ids no longer shown (deleted, moved to trash, filtered away). Returns the same set when nothing changed. */
export const keepVisible = (selection: Selection, visible: ReadonlyMap<PhotoId, number>): Selection => {
  let changed = false;
  const next = new Set<PhotoId>();
  for (const id of selection) {
    if (visible.has(id)) next.add(id);
    else changed = true;
  }
  return changed ? next : selection;
};
