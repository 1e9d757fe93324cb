/** @module What a screen shows when it has nothing to list. */

import type { JSX } from 'solid-js';

export const EmptyState = (props: {
  readonly icon: JSX.Element;
  readonly title: string;
  readonly text: string;
}) => (
  <div class="empty-state">
    {props.icon}
    <h2>{props.title}</h2>
    <p>{props.text}</p>
  </div>
);
