/**
 * @module Registers the service worker and tells the UI when a new version of the app is waiting.
 *
 * A new deployment changes `sw.js` (its shell manifest carries a content hash), the browser installs it in the
 * background and it waits. `createAppUpdate` exposes that as a signal; `applyUpdate` asks the waiting worker to
 * take over and reloads once it controls the page.
 */

import { type Accessor, createSignal, onCleanup } from 'solid-js';

// The same string src/pwa/service-worker.ts listens for (the worker is a separate bundle and imports nothing).
const SKIP_WAITING_MESSAGE = 'halyon:skip-waiting';
const SERVICE_WORKER_URL = '/sw.js';
const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;

export interface AppUpdate {
  readonly isUpdateWaiting: Accessor<boolean>;
  readonly applyUpdate: () => void;
}

export const createAppUpdate = (options: { readonly enabled: boolean }): AppUpdate => {
  const [waiting, setWaiting] = createSignal<ServiceWorker | null>(null);
  if (options.enabled && 'serviceWorker' in navigator) {
    const container = navigator.serviceWorker;
    let hasHadController = container.controller !== null;
    let isReloading = false;
    const onControllerChange = (): void => {
      // The first install also claims the page (no reload needed); a replacement means new code is in charge,
      // in this tab and in every other open one.
      if (!hasHadController) {
        hasHadController = true;
        return;
      }
      if (isReloading) return;
      isReloading = true;
      location.reload();
    };
    container.addEventListener('controllerchange', onControllerChange);
    onCleanup(() => container.removeEventListener('controllerchange', onControllerChange));

    void container.register(SERVICE_WORKER_URL, { scope: '/' }).then((registration) => {
      const watchInstalling = (worker: ServiceWorker | null): void => {
        worker?.addEventListener('statechange', () => {
          if (worker.state === 'installed' && container.controller) setWaiting(worker);
        });
      };
      if (registration.waiting && container.controller) setWaiting(registration.waiting);
      watchInstalling(registration.installing);
      registration.addEventListener('updatefound', () => watchInstalling(registration.installing));
      const timer = setInterval(
        () => void registration.update().catch(() => undefined),
        UPDATE_CHECK_INTERVAL_MS,
      );
      onCleanup(() => clearInterval(timer));
    });
  }
  return {
    isUpdateWaiting: () => waiting() !== null,
    applyUpdate: () => waiting()?.postMessage(SKIP_WAITING_MESSAGE),
  };
};
