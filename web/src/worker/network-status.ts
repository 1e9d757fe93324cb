/**
 * @module The worker's online state. A worker's own `online`/`offline` events are not reliable: Chromium updates
 * `navigator.onLine` in a dedicated worker under network emulation without firing either event, so a runner
 * waiting for `online` slept until its next poll (30 s). The page, which does get the events, forwards them
 * over a BroadcastChannel; the worker listens to both. A duplicate wake-up costs nothing.
 */
import type { NetworkStatus } from '@halyon/client-core';

export const NETWORK_CHANNEL = 'halyon-network';

/** Page side: tells the workers whenever the window goes online or offline. */
export const forwardOnlineEvents = (): void => {
  const channel = new BroadcastChannel(NETWORK_CHANNEL);
  const post = () => channel.postMessage(navigator.onLine);
  addEventListener('online', post);
  addEventListener('offline', post);
};

/** Worker side. */
export const createWorkerNetworkStatus = (): NetworkStatus => ({
  isOnline: () => navigator.onLine,
  onChange(listener) {
    const channel = new BroadcastChannel(NETWORK_CHANNEL);
    const fromPage = (event: MessageEvent) => {
      if (typeof event.data === 'boolean') listener(event.data);
    };
    const online = () => listener(true);
    const offline = () => listener(false);
    channel.addEventListener('message', fromPage);
    addEventListener('online', online);
    addEventListener('offline', offline);
    return () => {
      channel.close();
      removeEventListener('online', online);
      removeEventListener('offline', offline);
    };
  },
});
