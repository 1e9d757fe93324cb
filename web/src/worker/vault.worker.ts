/**
 * @module The web app's worker entry: the composition root for the browser. It configures zod for the CSP (no
 * `new Function` probes), builds the platform pieces (IndexedDB, fetch, Web Locks, BroadcastChannel, online
 * state) and exposes the vault service over comlink. Everything holding a key lives in this worker.
 */
import { openLocalStore } from '@halyon/client-core';
import { expose } from 'comlink';
import { z } from 'zod';
import { createVaultService } from './vault-service';

// Must run before any schema is used: zod 4 otherwise probes `new Function`, which script-src forbids.
z.config({ jitless: true });

type NetworkListener = (online: boolean) => void;

expose(
  createVaultService({
    server: self.location.origin,
    platform: {
      // Passed explicitly: the stores hand these to Dexie as given, and Dexie does not fall back to the globals.
      openStore: (name) => openLocalStore(name, { indexedDB, IDBKeyRange }),
      fetch: fetch.bind(globalThis),
      network: {
        isOnline: () => navigator.onLine,
        onChange(listener: NetworkListener) {
          const online = () => listener(true);
          const offline = () => listener(false);
          addEventListener('online', online);
          addEventListener('offline', offline);
          return () => {
            removeEventListener('online', online);
            removeEventListener('offline', offline);
          };
        },
      },
      locks: navigator.locks,
      openChannel: (name) => new BroadcastChannel(name),
      deviceName: `web (${navigator.userAgent.slice(0, 80)})`,
    },
  }),
);
