/** @module A labelled text input with an optional hint and error, wired up for screen readers. */

import { createUniqueId, type JSX, Show, splitProps } from 'solid-js';
import './ui.css';

export interface TextFieldProps extends Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'onInput'> {
  readonly label: string;
  readonly hint?: JSX.Element;
  readonly error?: string | null;
  readonly onValue?: (value: string) => void;
}

export const TextField = (props: TextFieldProps) => {
  const [own, rest] = splitProps(props, ['label', 'hint', 'error', 'onValue', 'class', 'id']);
  const id = own.id ?? createUniqueId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = () => [own.hint ? hintId : null, own.error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div class={`text-field ${own.class ?? ''}`}>
      <label class="text-field__label" for={id}>
        {own.label}
      </label>
      <input
        id={id}
        class="text-field__input"
        aria-invalid={own.error ? true : undefined}
        aria-describedby={describedBy() || undefined}
        onInput={(event) => own.onValue?.(event.currentTarget.value)}
        {...rest}
      />
      <Show when={own.hint}>
        <div id={hintId} class="text-field__hint">
          {own.hint}
        </div>
      </Show>
      <Show when={own.error}>
        <div id={errorId} class="text-field__error" role="alert">
          {own.error}
        </div>
      </Show>
    </div>
  );
};
