/**
 * @module The date scrubber beside the timeline: years marked along a track, the current month shown while
 * hovering or dragging, and a press or drag jumps the timeline there. A pointer aid only: the grid itself is
 * fully keyboard navigable (Page Up/Down, Home/End).
 */

import { createMemo, createSignal, For, Show } from 'solid-js';
import { monthAt } from './month-at';
import type { MonthMarker } from './timeline-layout';

export interface DateScrubberProps {
  readonly months: ReadonlyArray<MonthMarker>;
  readonly totalHeight: number;
  readonly viewportHeight: number;
  readonly scrollTop: number;
  readonly onScrollTo: (top: number) => void;
}

export const DateScrubber = (props: DateScrubberProps) => {
  let track!: HTMLDivElement;
  const [hoverFraction, setHoverFraction] = createSignal<number | null>(null);
  const [isDragging, setDragging] = createSignal(false);
  const scrollable = () => Math.max(1, props.totalHeight - props.viewportHeight);

  const years = createMemo(() => {
    const firstOfYear: MonthMarker[] = [];
    for (const month of props.months) {
      if (firstOfYear.at(-1)?.year !== month.year) firstOfYear.push(month);
    }
    return firstOfYear;
  });

  const fractionAt = (clientY: number): number => {
    const rect = track.getBoundingClientRect();
    return Math.min(1, Math.max(0, (clientY - rect.top) / Math.max(1, rect.height)));
  };
  const jumpTo = (fraction: number): void => {
    // The scrubber's track stands for the whole timeline, so a fraction of it is a fraction of the content.
    props.onScrollTo(Math.min(scrollable(), fraction * props.totalHeight));
  };
  const hoverLabel = () => {
    const fraction = hoverFraction();
    return fraction === null ? null : (monthAt(props.months, fraction * props.totalHeight)?.label ?? null);
  };

  return (
    <div
      ref={track}
      class="date-scrubber"
      classList={{ 'date-scrubber--active': isDragging() }}
      aria-hidden="true"
      onPointerDown={(event) => {
        event.preventDefault();
        track.setPointerCapture(event.pointerId);
        setDragging(true);
        jumpTo(fractionAt(event.clientY));
      }}
      onPointerMove={(event) => {
        const fraction = fractionAt(event.clientY);
        setHoverFraction(fraction);
        if (isDragging()) jumpTo(fraction);
      }}
      onPointerUp={(event) => {
        setDragging(false);
        track.releasePointerCapture(event.pointerId);
      }}
      onPointerLeave={() => {
        if (!isDragging()) setHoverFraction(null);
      }}
    >
      <For each={years()}>
        {(year) => (
          <span class="date-scrubber__year" style={{ top: `${(year.top / props.totalHeight) * 100}%` }}>
            {year.year}
          </span>
        )}
      </For>
      <div
        class="date-scrubber__thumb"
        style={{ top: `${(props.scrollTop / Math.max(1, props.totalHeight)) * 100}%` }}
      />
      <Show when={hoverLabel()}>
        {(label) => (
          <div class="date-scrubber__bubble" style={{ top: `${(hoverFraction() ?? 0) * 100}%` }}>
            {label()}
          </div>
        )}
      </Show>
    </div>
  );
};
