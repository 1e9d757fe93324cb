/** @module A one-line notice across the top of the content (offline, update available, errors). */

import type { JSX } from 'solid-js';
import './ui.css';

export interface BannerProps {
  readonly tone: 'info' | 'warning' | 'danger';
  readonly icon?: JSX.Element;
  readonly children: JSX.Element;
  readonly action?: JSX.Element;
}

export const Banner = (props: BannerProps) => (
  <div class={`banner banner--${props.tone}`} role={props.tone === 'danger' ? 'alert' : 'status'}>
    {props.icon}
    <div class="banner__text">{props.children}</div>
    {props.action}
  </div>
);
