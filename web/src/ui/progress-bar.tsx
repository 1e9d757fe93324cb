/** @module A determinate or indeterminate progress bar with an accessible name. */

import { Show } from 'solid-js';
import './ui.css';

export interface ProgressBarProps {
  readonly label: string;
  /** 0..1, or null when the amount of work is unknown. */
  readonly value: number | null;
  readonly tone?: 'accent' | 'danger' | 'muted';
  readonly class?: string;
}

const clampFraction = (value: number): number => Math.min(1, Math.max(0, value));

export const ProgressBar = (props: ProgressBarProps) => (
  <div
    class={`progress progress--${props.tone ?? 'accent'} ${props.class ?? ''}`}
    role="progressbar"
    aria-label={props.label}
    aria-valuemin={0}
    aria-valuemax={100}
    aria-valuenow={props.value === null ? undefined : Math.round(clampFraction(props.value) * 100)}
  >
    <Show when={props.value !== null} fallback={<div class="progress__fill progress__fill--indeterminate" />}>
      {/* Set through the CSSOM, which the CSP allows, unlike a style attribute in markup. */}
      <div class="progress__fill" style={{ width: `${clampFraction(props.value ?? 0) * 100}%` }} />
    </Show>
  </div>
);
