/** @module Buttons: text buttons in three weights, and icon-only buttons that always carry a label. */

import { type JSX, Show, splitProps } from 'solid-js';
import './ui.css';

export type ButtonVariant = 'primary' | 'secondary' | 'quiet' | 'danger';

export interface ButtonProps extends JSX.ButtonHTMLAttributes<HTMLButtonElement> {
  readonly variant?: ButtonVariant;
  readonly icon?: JSX.Element;
}

export const Button = (props: ButtonProps) => {
  const [own, rest] = splitProps(props, ['variant', 'icon', 'class', 'children', 'type']);
  return (
    <button
      type={own.type ?? 'button'}
      class={`button button--${own.variant ?? 'secondary'} ${own.class ?? ''}`}
      {...rest}
    >
      <Show when={own.icon}>{own.icon}</Show>
      <span>{own.children}</span>
    </button>
  );
};

export interface IconButtonProps extends Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, 'children'> {
  /** Read by screen readers and shown as a tooltip: an icon alone is not a name. */
  readonly label: string;
  readonly icon: JSX.Element;
  readonly pressed?: boolean;
}

export const IconButton = (props: IconButtonProps) => {
  const [own, rest] = splitProps(props, ['label', 'icon', 'class', 'pressed', 'type']);
  return (
    <button
      type={own.type ?? 'button'}
      class={`icon-button ${own.class ?? ''}`}
      aria-label={own.label}
      title={own.label}
      aria-pressed={own.pressed}
      {...rest}
    >
      {own.icon}
    </button>
  );
};
