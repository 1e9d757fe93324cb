/** @module A signal that follows the browser's idea of being online, for the offline banner. */

import { type Accessor, createSignal, onCleanup } from 'solid-js';

export const createOnlineStatus = (): Accessor<boolean> => {
  const [isOnline, setOnline] = createSignal(navigator.onLine);
  const update = (): void => {
    setOnline(navigator.onLine);
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  onCleanup(() => {
    window.removeEventListener('online', update);
    window.removeEventListener('offline', update);
  });
  return isOnline;
};
