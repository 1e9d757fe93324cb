/**
 * @module The web app's worker entry: the composition root for the browser. It configures zod for the CSP (no
 * `new Function` probes), builds the platform pieces (IndexedDB, fetch, Web Locks, BroadcastChannel, online
 * state) and exposes the vault service over comlink. Everything holding a key lives in this worker.
 */
import { openLocalStore } from '@halyon/client-core';
import { expose } from 'comlink';
import { z } from 'zod';
import { webDeviceName } from '../features/settings/device-label';
import { createWorkerNetworkStatus } from './network-status';
import { createVaultService } from './vault-service';

// Must run before any schema is used: zod 4 otherwise probes `new Function`, which script-src forbids.
z.config({ jitless: true });

expose(
  createVaultService({
    server: self.location.origin,
    platform: {
      openStore: (name) => openLocalStore(name),
      fetch: fetch.bind(globalThis),
      network: createWorkerNetworkStatus(),
      locks: navigator.locks,
      openChannel: (name) => new BroadcastChannel(name),
      deviceName: webDeviceName(navigator.userAgent),
    },
  }),
);
