/**
 * @module The browser worker's composition root: builds the platform pieces (IndexedDB, fetch, Web Locks,
 * BroadcastChannel, online state) and exposes the remote API over comlink. No logic lives here.
 */
import { expose } from 'comlink';
import { createRemoteApi } from './library/remote-api';
import { openLocalStore } from './store/local-store';
import type { NetworkStatus } from './sync/runner';

const network: NetworkStatus = {
  isOnline: () => navigator.onLine,
  onChange(listener) {
    const online = () => listener(true);
    const offline = () => listener(false);
    addEventListener('online', online);
    addEventListener('offline', offline);
    return () => {
      removeEventListener('online', online);
      removeEventListener('offline', offline);
    };
  },
};

expose(
  createRemoteApi({
    openStore: (name) => openLocalStore(name),
    fetch: fetch.bind(globalThis),
    network,
    locks: navigator.locks,
    openChannel: (name) => new BroadcastChannel(name),
    deviceName: `web (${navigator.userAgent.slice(0, 80)})`,
  }),
);
