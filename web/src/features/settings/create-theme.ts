/**
 * @module The light/dark choice: follows the system unless the person picks one. Stored in localStorage,
 * which holds nothing else: a theme says nothing about anyone's photos.
 */

import { type Accessor, createEffect, createSignal } from 'solid-js';

export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'halyon.theme';

const readChoice = (): ThemeChoice => {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
};

export const createTheme = (): {
  readonly theme: Accessor<ThemeChoice>;
  readonly setTheme: (t: ThemeChoice) => void;
} => {
  const [theme, setThemeSignal] = createSignal<ThemeChoice>(readChoice());
  createEffect(() => {
    const choice = theme();
    if (choice === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', choice);
  });
  return {
    theme,
    setTheme: (choice) => {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
      setThemeSignal(choice);
    },
  };
};
