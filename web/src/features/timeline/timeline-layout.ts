/**
 * @module Turns a list of photos into the rows of the timeline: month headers, day headers and rows of cells,
 * with exact pixel offsets, so the virtualiser knows every row's size up front and never has to measure.
 *
 * Pure and linear in the number of photos (100,000 photos lay out in a few milliseconds), so it simply runs
 * again when the photos or the width change.
 */

import type { EpochMs, PhotoId, PhotoSummary } from '../../app/vault-client';

export type TimelineRow =
  | { readonly kind: 'month'; readonly key: string; readonly label: string; readonly takenAt: EpochMs }
  | { readonly kind: 'day'; readonly key: string; readonly label: string; readonly takenAt: EpochMs }
  | { readonly kind: 'cells'; readonly key: string; readonly first: number; readonly count: number };

export interface MonthMarker {
  readonly label: string;
  readonly year: number;
  readonly top: number;
}

export interface TimelineLayout {
  readonly columns: number;
  readonly cellSize: number;
  readonly gap: number;
  readonly rows: ReadonlyArray<TimelineRow>;
  /** Pixel offset of each row from the top of the timeline. */
  readonly rowTops: ReadonlyArray<number>;
  readonly rowHeights: ReadonlyArray<number>;
  readonly totalHeight: number;
  /** For photo i: the index of its cells row. */
  readonly rowOfPhoto: Int32Array;
  readonly indexById: ReadonlyMap<PhotoId, number>;
  readonly months: ReadonlyArray<MonthMarker>;
}

export interface LayoutOptions {
  readonly width: number;
  /** Group under month and day headers (date-ordered views); false for albums, which keep their own order. */
  readonly groupByDate: boolean;
  readonly targetCellSize?: number;
  readonly minColumns?: number;
  readonly gap?: number;
  readonly monthHeaderHeight?: number;
  readonly dayHeaderHeight?: number;
  readonly now?: EpochMs;
}

const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const dayWithYearFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});

/** Columns and cell size for a width: as many cells near the target size as fit, never fewer than minColumns. */
export const gridMetricsFor = (
  width: number,
  targetCellSize: number,
  minColumns: number,
  gap: number,
): { readonly columns: number; readonly cellSize: number } => {
  const usable = Math.max(width, 1);
  const columns = Math.max(minColumns, Math.floor((usable + gap) / (targetCellSize + gap)));
  const cellSize = Math.max(1, (usable - gap * (columns - 1)) / columns);
  return { columns, cellSize };
};

/** The layout of nothing, e.g. before the grid has a width. */
export const EMPTY_LAYOUT: TimelineLayout = {
  columns: 1,
  cellSize: 1,
  gap: 0,
  rows: [],
  rowTops: [],
  rowHeights: [],
  totalHeight: 0,
  rowOfPhoto: new Int32Array(0),
  indexById: new Map(),
  months: [],
};

export const layoutTimeline = (
  photos: ReadonlyArray<PhotoSummary>,
  options: LayoutOptions,
): TimelineLayout => {
  const gap = options.gap ?? 4;
  const { columns, cellSize } = gridMetricsFor(
    options.width,
    options.targetCellSize ?? 180,
    options.minColumns ?? 3,
    gap,
  );
  const monthHeaderHeight = options.monthHeaderHeight ?? 64;
  const dayHeaderHeight = options.dayHeaderHeight ?? 44;
  const cellRowHeight = cellSize + gap;
  const currentYear = new Date(options.now ?? Date.now()).getFullYear();

  const rows: TimelineRow[] = [];
  const rowTops: number[] = [];
  const rowHeights: number[] = [];
  const months: MonthMarker[] = [];
  const rowOfPhoto = new Int32Array(photos.length);
  const indexById = new Map<PhotoId, number>();
  let top = 0;
  const push = (row: TimelineRow, height: number): void => {
    rows.push(row);
    rowTops.push(top);
    rowHeights.push(height);
    top += height;
  };

  // The local day and month of the current group, as [start, end) instants: most photos fall inside the
  // current day, so a Date is only made when a photo crosses into another day.
  let dayStart = Number.POSITIVE_INFINITY;
  let dayEnd = Number.NEGATIVE_INFINITY;
  let monthStart = Number.POSITIVE_INFINITY;
  let monthEnd = Number.NEGATIVE_INFINITY;
  let rowStart = 0;
  let rowCount = 0;
  const closeCellsRow = (): void => {
    if (rowCount === 0) return;
    push({ kind: 'cells', key: `cells:${rowStart}`, first: rowStart, count: rowCount }, cellRowHeight);
    rowCount = 0;
  };

  for (let i = 0; i < photos.length; i++) {
    const photo = photos[i]!;
    const takenAt = photo.takenAt;
    indexById.set(photo.id, i);
    if (options.groupByDate && (takenAt < dayStart || takenAt >= dayEnd)) {
      closeCellsRow();
      const date = new Date(takenAt);
      const year = date.getFullYear();
      const month = date.getMonth();
      const day = date.getDate();
      if (takenAt < monthStart || takenAt >= monthEnd) {
        monthStart = new Date(year, month, 1).getTime();
        monthEnd = new Date(year, month + 1, 1).getTime();
        const label = monthFormat.format(date);
        months.push({ label, year, top });
        push({ kind: 'month', key: `month:${rows.length}`, label, takenAt }, monthHeaderHeight);
      }
      dayStart = new Date(year, month, day).getTime();
      dayEnd = new Date(year, month, day + 1).getTime();
      const label = (year === currentYear ? dayFormat : dayWithYearFormat).format(date);
      push({ kind: 'day', key: `day:${rows.length}`, label, takenAt }, dayHeaderHeight);
    }
    if (rowCount === columns) closeCellsRow();
    if (rowCount === 0) rowStart = i;
    rowCount += 1;
    rowOfPhoto[i] = rows.length; // the row closeCellsRow will push next
  }
  closeCellsRow();

  return {
    columns,
    cellSize,
    gap,
    rows,
    rowTops,
    rowHeights,
    totalHeight: top,
    rowOfPhoto,
    indexById,
    months,
  };
};

export type FocusMove = 'left' | 'right' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'first' | 'last';

const cellsRowAt = (layout: TimelineLayout, rowIndex: number) => {
  const row = layout.rows[rowIndex];
  return row?.kind === 'cells' ? row : null;
};

/** Finds the nearest cells row from `rowIndex` in `step` direction, skipping headers. */
const nextCellsRowIndex = (layout: TimelineLayout, rowIndex: number, step: 1 | -1): number | null => {
  for (let r = rowIndex + step; r >= 0 && r < layout.rows.length; r += step) {
    if (cellsRowAt(layout, r)) return r;
  }
  return null;
};

/**
 * Where keyboard focus goes from photo `index`: left and right follow the order of photos, up and down keep
 * the column (clamped to shorter rows), page moves go `pageRows` cell rows at a time.
 */
export const movePhotoFocus = (
  layout: TimelineLayout,
  index: number,
  move: FocusMove,
  pageRows = 4,
): number => {
  const total = layout.rowOfPhoto.length;
  if (total === 0) return -1;
  const clamp = (i: number) => Math.min(total - 1, Math.max(0, i));
  switch (move) {
    case 'left':
      return clamp(index - 1);
    case 'right':
      return clamp(index + 1);
    case 'first':
      return 0;
    case 'last':
      return total - 1;
    default: {
      const step = move === 'up' || move === 'pageUp' ? -1 : 1;
      const times = move === 'pageUp' || move === 'pageDown' ? pageRows : 1;
      const rowIndex = layout.rowOfPhoto[index]!;
      const column = index - cellsRowAt(layout, rowIndex)!.first;
      let target = rowIndex;
      for (let t = 0; t < times; t++) {
        const next = nextCellsRowIndex(layout, target, step);
        if (next === null) break;
        target = next;
      }
      if (target === rowIndex) return step < 0 ? 0 : total - 1;
      const row = cellsRowAt(layout, target)!;
      return row.first + Math.min(column, row.count - 1);
    }
  }
};
