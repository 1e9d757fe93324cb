/**
 * @module The browser worker's composition root: builds the platform pieces (IndexedDB, fetch, Web Locks,
 * BroadcastChannel, online state) and exposes the remote API over comlink. No logic lives here.
 */
import { expose } from 'comlink';
import { z } from 'zod';
import { createRemoteApi } from './library/remote-api';
import { openLocalStore } from './store/local-store';
import { browserNetworkStatus } from './sync/browser-network';

// Before any schema runs: zod 4 otherwise probes `new Function`, which a strict CSP's script-src forbids.
z.config({ jitless: true });

expose(
  createRemoteApi({
    openStore: (name) => openLocalStore(name),
    fetch: fetch.bind(globalThis),
    network: browserNetworkStatus,
    locks: navigator.locks,
    openChannel: (name) => new BroadcastChannel(name),
    deviceName: `web (${navigator.userAgent.slice(0, 80)})`,
  }),
);
