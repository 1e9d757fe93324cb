/**
 * @module The photo grid: newest first under month and day headers, virtualised (only the rows on screen
 * exist in the DOM), with multi-select by click, shift-click, ctrl/cmd-click, drag and keyboard, and a date
 * scrubber. Data comes in through props; a cell asks for its thumbnail once it has been on screen 40 ms, and the
 * cells that settle together are served in one batch from the local cache, newest first (thumbnail-queue.ts); a
 * cell that leaves the screen takes back its waiting request and clears its canvas.
 *
 * [Note: Thumbnails as bitmaps]
 * The worker decrypts a thumbnail and decodes it there (createImageBitmap), then moves the ImageBitmap to the
 * page, which hands it to a canvas's `bitmaprenderer` context: no copy, no object URL and no decode on the main
 * thread while the grid scrolls. The canvas then owns the only decoded copy; a cell leaving the screen, and so
 * a lock (which unmounts the grid), empties its canvas, and a bitmap that arrives after its cell left is closed.
 */

import { createVirtualizer } from '@tanstack/solid-virtual';
import CircleCheck from 'lucide-solid/icons/circle-check';
import CloudUpload from 'lucide-solid/icons/cloud-upload';
import Play from 'lucide-solid/icons/play';
import Star from 'lucide-solid/icons/star';
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show, untrack } from 'solid-js';
import type { PhotoId, PhotoSummary } from '../../app/vault-client';
import { DateScrubber } from './date-scrubber';
import { ARRANGE_KEYS, describePosition, indexOfId, keyboardTarget, moveItem, slotAt } from './reorder';
import { type Selection, selectAll, selectRange, toggleInSelection } from './selection';
import {
  createSettleTimer,
  createThumbnailQueue,
  type SettleTimer,
  type ThumbnailLoaders,
  type ThumbnailQueue,
} from './thumbnail-queue';
import { EMPTY_LAYOUT, type FocusMove, layoutTimeline, movePhotoFocus } from './timeline-layout';
import './timeline.css';

export interface TimelineGridProps {
  readonly photos: ReadonlyArray<PhotoSummary>;
  /** Month and day headers for date-ordered views; off for albums, which keep their own order. */
  readonly groupByDate: boolean;
  readonly selection: Selection;
  readonly onSelectionChange: (next: Selection) => void;
  readonly onOpen: (id: PhotoId) => void;
  /**
   * Thumbnails, decoded: several from the local cache at once (undefined for one not cached), and one at a time
   * for those (a download). null when a photo has none; the grid paints each image, then owns and frees it.
   */
  readonly thumbnails: ThumbnailLoaders<ImageBitmap | null, PhotoId>;
  readonly label: string;
  /**
   * Set while the person arranges an album: dragging a photo (or Alt+arrow keys) moves it, and `onMove` is told
   * its final index. The grid shows the new order at once and keeps it until the photos change.
   */
  readonly arrange?: { readonly onMove: (id: PhotoId, toIndex: number) => void };
}

const KEY_MOVES: Readonly<Record<string, FocusMove>> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  PageUp: 'pageUp',
  PageDown: 'pageDown',
  Home: 'first',
  End: 'last',
};

const takenAtFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A visible thing: a header row or one photo cell. Keyed by string so a cell survives re-layout. */
type VisibleEntry = string;

/** The order shown while a photo is moved; `isDropped` once the move was handed to `onMove`. */
interface MovePreview {
  readonly photos: ReadonlyArray<PhotoSummary>;
  readonly id: PhotoId;
  readonly isDropped: boolean;
}

export const TimelineGrid = (props: TimelineGridProps) => {
  let scrollElement!: HTMLDivElement;
  const thumbnailQueue = createThumbnailQueue(props.thumbnails, {
    batchSize: THUMBNAIL_BATCH_SIZE,
    loadsInFlight: THUMBNAIL_DOWNLOADS_IN_FLIGHT,
  });
  const thumbnailSettle = createSettleTimer(THUMBNAIL_SETTLE_MS);
  const [preview, setPreview] = createSignal<MovePreview | null>(null);
  const [announcement, setAnnouncement] = createSignal('');
  // What is on screen: the photos, or the order being arranged until the worker has it.
  const photos = createMemo(() => preview()?.photos ?? props.photos);
  // New photos from the worker carry the move (or its refusal): stop previewing a dropped one.
  createEffect(
    on(
      () => props.photos,
      () => setPreview((current) => (current?.isDropped ? null : current)),
      { defer: true },
    ),
  );
  const [width, setWidth] = createSignal(0);
  const [viewportHeight, setViewportHeight] = createSignal(0);
  const [scrollTop, setScrollTop] = createSignal(0);
  const [focusIndex, setFocusIndex] = createSignal(0);
  const [anchorIndex, setAnchorIndex] = createSignal<number | null>(null);
  // Nothing to lay out until the grid has a width (the first measure comes after mount).
  const layout = createMemo(() =>
    width() > 0 ? layoutTimeline(photos(), { width: width(), groupByDate: props.groupByDate }) : EMPTY_LAYOUT,
  );

  const virtualizer = createVirtualizer({
    get count() {
      return layout().rows.length;
    },
    getScrollElement: () => scrollElement,
    estimateSize: (i) => layout().rowHeights[i] ?? 0,
    overscan: 3,
  });
  createEffect(on(layout, () => virtualizer.measure(), { defer: true }));

  onMount(() => {
    const measure = (): void => {
      const style = getComputedStyle(scrollElement);
      const padding = Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.paddingRight);
      setWidth(scrollElement.clientWidth - padding);
      setViewportHeight(scrollElement.clientHeight);
    };
    const observer = new ResizeObserver(measure);
    observer.observe(scrollElement);
    measure();
    onCleanup(() => observer.disconnect());
  });

  const visibleEntries = createMemo((): ReadonlyArray<VisibleEntry> => {
    const { rows } = layout();
    const entries: VisibleEntry[] = [];
    for (const item of virtualizer.getVirtualItems()) {
      const row = rows[item.index];
      if (!row) continue;
      if (row.kind !== 'cells') entries.push(`row:${item.index}`);
      else for (let i = row.first; i < row.first + row.count; i++) entries.push(`photo:${photos()[i]!.id}`);
    }
    return entries;
  });

  // Keep focus on the same photo when the list changes, and inside the list.
  createEffect(
    on(photos, (list) => {
      const index = untrack(focusIndex);
      if (index >= list.length) setFocusIndex(Math.max(0, list.length - 1));
    }),
  );

  const scrollPhotoIntoView = (index: number): void => {
    const rowIndex = layout().rowOfPhoto[index];
    if (rowIndex !== undefined) virtualizer.scrollToIndex(rowIndex, { align: 'auto' });
  };

  const cellId = (id: PhotoId): string => `photo-cell-${id}`;
  const focusedId = (): PhotoId | undefined => photos()[focusIndex()]?.id;

  // ------------------------------------------------------------ arranging: drag and Alt+arrows

  const DRAG_THRESHOLD_PX = 4;
  let arrangeDrag: {
    readonly id: PhotoId;
    /** The order when the drag started. */
    readonly photos: ReadonlyArray<PhotoSummary>;
    readonly x: number;
    readonly y: number;
    moved: boolean;
  } | null = null;

  /** The slot under a pointer position, in the canvas's coordinates. */
  const slotAtPointer = (event: PointerEvent): number => {
    const canvas = scrollElement.firstElementChild as HTMLElement;
    const box = canvas.getBoundingClientRect();
    return slotAt(layout(), event.clientX - box.left, event.clientY - box.top);
  };

  /** Moves the photo within `before` (the order it was moved in) to `to`, and tells the worker. */
  const dropMove = (before: ReadonlyArray<PhotoSummary>, id: PhotoId, to: number): void => {
    const from = indexOfId(before, id);
    if (from === to || from < 0) {
      setPreview((current) => (current?.isDropped ? current : null));
      return;
    }
    setPreview({ photos: moveItem(before, from, to), id, isDropped: true });
    setFocusIndex(to);
    setAnnouncement(describePosition(to, before.length));
    props.arrange?.onMove(id, to);
  };

  const onArrangePointerMove = (event: PointerEvent): void => {
    const dragging = arrangeDrag;
    if (!dragging || (event.buttons & 1) === 0) return;
    if (!dragging.moved) {
      if (Math.hypot(event.clientX - dragging.x, event.clientY - dragging.y) < DRAG_THRESHOLD_PX) return;
      dragging.moved = true;
      scrollElement.setPointerCapture(event.pointerId);
    }
    event.preventDefault();
    // Near the top or bottom edge the grid scrolls, so a photo can travel further than the screen.
    const box = scrollElement.getBoundingClientRect();
    const edge = Math.min(60, box.height / 4);
    if (event.clientY < box.top + edge) scrollElement.scrollTop -= 20;
    else if (event.clientY > box.bottom - edge) scrollElement.scrollTop += 20;
    const from = indexOfId(dragging.photos, dragging.id);
    setPreview({
      photos: moveItem(dragging.photos, from, slotAtPointer(event)),
      id: dragging.id,
      isDropped: false,
    });
  };

  const onArrangePointerUp = (event: PointerEvent): void => {
    const dragging = arrangeDrag;
    if (!dragging?.moved) return;
    scrollElement.releasePointerCapture(event.pointerId);
    dropMove(dragging.photos, dragging.id, indexOfId(photos(), dragging.id));
  };

  const onArrangeKeyDown = (event: KeyboardEvent): boolean => {
    const move = ARRANGE_KEYS[event.key];
    if (!props.arrange || !event.altKey || !move) return false;
    // Also keeps Alt+Left from going back in history.
    event.preventDefault();
    const id = photos()[focusIndex()]?.id;
    if (id === undefined) return true;
    const to = keyboardTarget(layout(), focusIndex(), move);
    dropMove(photos(), id, to);
    scrollPhotoIntoView(to);
    return true;
  };

  // ------------------------------------------------------------ pointer: click, shift-click, drag

  let drag: { readonly startIndex: number; readonly base: Selection; moved: boolean } | null = null;

  const indexFromPoint = (x: number, y: number): number | null => {
    const cell = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-photo-index]');
    const value = cell?.dataset.photoIndex;
    return value === undefined ? null : Number(value);
  };

  const onCellPointerDown = (event: PointerEvent, index: number): void => {
    // A new press: an earlier drag no longer decides what its click means.
    drag = null;
    arrangeDrag = null;
    if (event.button !== 0 || event.shiftKey || event.ctrlKey || event.metaKey) return;
    if (props.arrange) {
      arrangeDrag = {
        id: photos()[index]!.id,
        photos: photos(),
        x: event.clientX,
        y: event.clientY,
        moved: false,
      };
      return;
    }
    drag = { startIndex: index, base: props.selection, moved: false };
  };

  const onPointerMove = (event: PointerEvent): void => {
    if (props.arrange) {
      onArrangePointerMove(event);
      return;
    }
    if (!drag || (event.buttons & 1) === 0) return;
    const index = indexFromPoint(event.clientX, event.clientY);
    if (index === null || (index === drag.startIndex && !drag.moved)) return;
    if (!drag.moved) {
      drag.moved = true;
      scrollElement.setPointerCapture(event.pointerId);
    }
    event.preventDefault();
    setFocusIndex(index);
    props.onSelectionChange(selectRange(drag.base, photos(), drag.startIndex, index));
  };

  const onPointerUp = (event: PointerEvent): void => {
    if (props.arrange) {
      onArrangePointerUp(event);
      return;
    }
    if (drag?.moved) {
      setAnchorIndex(drag.startIndex);
      scrollElement.releasePointerCapture(event.pointerId);
    }
  };

  const onCellClick = (event: MouseEvent, index: number): void => {
    const wasDrag = drag?.moved === true || arrangeDrag?.moved === true;
    drag = null;
    arrangeDrag = null;
    if (wasDrag) return;
    const id = photos()[index]!.id;
    setFocusIndex(index);
    // While arranging, a click only picks the photo the arrow keys move.
    if (props.arrange) return;
    const anchor = anchorIndex();
    if (event.shiftKey && anchor !== null) {
      props.onSelectionChange(selectRange(props.selection, photos(), anchor, index));
    } else if (event.ctrlKey || event.metaKey || props.selection.size > 0) {
      // Once anything is selected, a plain click adds or removes, as in every photo app.
      props.onSelectionChange(toggleInSelection(props.selection, id));
      setAnchorIndex(index);
    } else {
      props.onOpen(id);
    }
  };

  const onCheckClick = (event: MouseEvent, index: number): void => {
    event.stopPropagation();
    drag = null;
    setFocusIndex(index);
    const anchor = anchorIndex();
    if (event.shiftKey && anchor !== null) {
      props.onSelectionChange(selectRange(props.selection, photos(), anchor, index));
    } else {
      props.onSelectionChange(toggleInSelection(props.selection, photos()[index]!.id));
      setAnchorIndex(index);
    }
  };

  // ------------------------------------------------------------ keyboard

  const onKeyDown = (event: KeyboardEvent): void => {
    const total = photos().length;
    if (total === 0 || onArrangeKeyDown(event)) return;
    const current = Math.min(focusIndex(), total - 1);
    const move = KEY_MOVES[event.key];
    if (move) {
      event.preventDefault();
      const pageRows = Math.max(1, Math.floor(viewportHeight() / (layout().cellSize + layout().gap)) - 1);
      const next = movePhotoFocus(layout(), current, move, pageRows);
      if (event.shiftKey) {
        const anchor = anchorIndex() ?? current;
        setAnchorIndex(anchor);
        props.onSelectionChange(selectRange(props.selection, photos(), anchor, next));
      }
      setFocusIndex(next);
      scrollPhotoIntoView(next);
      return;
    }
    const id = photos()[current]!.id;
    if (event.key === ' ') {
      event.preventDefault();
      props.onSelectionChange(toggleInSelection(props.selection, id));
      setAnchorIndex(current);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      props.onOpen(id);
    } else if (event.key === 'Escape' && props.selection.size > 0) {
      event.preventDefault();
      props.onSelectionChange(new Set());
    } else if (event.key.toLowerCase() === 'a' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      props.onSelectionChange(selectAll(photos()));
    }
  };

  // ------------------------------------------------------------ rendering

  const Cell = (cellProps: { readonly id: PhotoId }) => {
    const index = () => layout().indexById.get(cellProps.id) ?? -1;
    const photo = () => photos()[index()];
    const position = () => {
      const l = layout();
      const i = index();
      const rowIndex = l.rowOfPhoto[i] ?? 0;
      const row = l.rows[rowIndex];
      const column = row?.kind === 'cells' ? i - row.first : 0;
      return {
        transform: `translate(${column * (l.cellSize + l.gap)}px, ${l.rowTops[rowIndex] ?? 0}px)`,
        width: `${l.cellSize}px`,
        height: `${l.cellSize}px`,
      };
    };
    const isSelected = () => props.selection.has(cellProps.id);
    return (
      <Show when={photo()}>
        {(p) => (
          // Focus stays on the listbox, which handles the keys (the aria-activedescendant pattern).
          // biome-ignore lint/a11y/useFocusableInteractive: see above
          // biome-ignore lint/a11y/useKeyWithClickEvents: see above
          <div
            id={cellId(cellProps.id)}
            class="timeline-cell"
            classList={{
              'timeline-cell--selected': isSelected(),
              'timeline-cell--focused': focusIndex() === index(),
              'timeline-cell--selecting': props.selection.size > 0,
              'timeline-cell--arranging': props.arrange !== undefined,
              'timeline-cell--moving': preview()?.id === cellProps.id && !preview()?.isDropped,
            }}
            role="option"
            aria-selected={isSelected()}
            aria-label={`${p().mediaType === 'video' ? 'Video' : 'Photo'}, ${takenAtFormat.format(p().takenAt)}${
              p().isFavourite ? ', favourite' : ''
            }${p().isPending ? ', not synced yet' : ''}`}
            data-photo-index={index()}
            style={position()}
            onPointerDown={(event) => onCellPointerDown(event, index())}
            onClick={(event) => onCellClick(event, index())}
          >
            <Show when={p().hasThumbnail} fallback={<div class="timeline-cell__placeholder" />}>
              <Thumbnail id={cellProps.id} settle={thumbnailSettle} queue={thumbnailQueue} />
            </Show>
            <button
              type="button"
              class="timeline-cell__check"
              tabIndex={-1}
              aria-hidden="true"
              onPointerDown={(event) => event.stopPropagation()}
              onClick={(event) => onCheckClick(event, index())}
            >
              <CircleCheck />
            </button>
            <Show when={p().mediaType === 'video'}>
              <Play class="timeline-cell__badge timeline-cell__badge--video" aria-hidden="true" />
            </Show>
            <Show when={p().isFavourite}>
              <Star class="timeline-cell__badge timeline-cell__badge--favourite" aria-hidden="true" />
            </Show>
            <Show when={p().isPending}>
              <CloudUpload class="timeline-cell__badge timeline-cell__badge--pending" aria-hidden="true" />
            </Show>
          </div>
        )}
      </Show>
    );
  };

  const Header = (headerProps: { readonly rowIndex: number }) => {
    const header = () => {
      const row = layout().rows[headerProps.rowIndex];
      return row && row.kind !== 'cells' ? row : undefined;
    };
    return (
      <Show when={header()}>
        {(r) => (
          <div
            class="timeline-header"
            classList={{ 'timeline-header--month': r().kind === 'month' }}
            role="presentation"
            style={{
              transform: `translateY(${layout().rowTops[headerProps.rowIndex] ?? 0}px)`,
              height: `${layout().rowHeights[headerProps.rowIndex] ?? 0}px`,
            }}
          >
            {r().kind === 'month' ? <h2>{r().label}</h2> : <h3>{r().label}</h3>}
          </div>
        )}
      </Show>
    );
  };

  return (
    <div class="timeline">
      <div
        ref={scrollElement}
        class="timeline__scroller"
        role="listbox"
        aria-label={props.label}
        aria-multiselectable="true"
        aria-activedescendant={focusedId() ? cellId(focusedId()!) : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={() => setScrollTop(scrollElement.scrollTop)}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => {
          drag = null;
          arrangeDrag = null;
          setPreview((current) => (current?.isDropped ? current : null));
        }}
      >
        <div class="timeline__canvas" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          <For each={visibleEntries()}>
            {(entry) =>
              entry.startsWith('photo:') ? (
                <Cell id={entry.slice('photo:'.length) as PhotoId} />
              ) : (
                <Header rowIndex={Number(entry.slice('row:'.length))} />
              )
            }
          </For>
        </div>
      </div>
      <div class="visually-hidden" aria-live="assertive">
        {announcement()}
      </div>
      <Show when={props.groupByDate && layout().months.length > 1}>
        <DateScrubber
          months={layout().months}
          totalHeight={layout().totalHeight}
          viewportHeight={viewportHeight()}
          scrollTop={scrollTop()}
          onScrollTo={(top) => scrollElement.scrollTo({ top })}
        />
      </Show>
    </div>
  );
};

// Cells that stay on screen this long get their thumbnail; cells flung past while scrolling fast never ask,
// which keeps decrypting and decoding to what the person can actually see.
const THUMBNAIL_SETTLE_MS = 40;
// More than a large screen shows with its overscan rows, so one stop is one batch.
const THUMBNAIL_BATCH_SIZE = 64;
// Downloads (thumbnails not cached yet): enough to overlap, few enough that no backlog builds up.
const THUMBNAIL_DOWNLOADS_IN_FLIGHT = 4;

/**
 * One thumbnail: asks for its image once it has been on screen briefly, takes back a request still waiting in
 * the queue when it leaves the screen, and empties its canvas when it goes. See: [Note: Thumbnails as bitmaps]
 */
const Thumbnail = (props: {
  readonly id: PhotoId;
  readonly settle: SettleTimer;
  readonly queue: ThumbnailQueue<ImageBitmap | null, PhotoId>;
}) => {
  const [canvas, setCanvas] = createSignal<HTMLCanvasElement | null>(null);
  let isDisposed = false;
  let cancel = (): void => {};
  const id = props.id;
  const cancelSettle = props.settle.start(() => {
    cancel = props.queue.request(id, (image) => {
      if (image === null) return;
      if (isDisposed) return image.close();
      const painted = document.createElement('canvas');
      painted.className = 'timeline-cell__image';
      painted.setAttribute('aria-hidden', 'true');
      painted.width = image.width;
      painted.height = image.height;
      const context = painted.getContext('bitmaprenderer');
      if (!context) return image.close();
      // Takes the bitmap over (it is closed by this): the canvas holds the only decoded copy.
      context.transferFromImageBitmap(image);
      setCanvas(painted);
    });
  });
  onCleanup(() => {
    isDisposed = true;
    cancelSettle();
    cancel();
    const painted = canvas();
    if (painted) {
      painted.getContext('bitmaprenderer')?.transferFromImageBitmap(null);
      painted.width = 0;
      painted.height = 0;
    }
  });
  return (
    <Show when={canvas()} fallback={<div class="timeline-cell__placeholder" />}>
      {(painted) => painted()}
    </Show>
  );
};
