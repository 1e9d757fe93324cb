/**
 * @module The web app's worker entry: the composition root for the browser. It configures zod for the CSP (no
 * `new Function` probes), builds the platform pieces (IndexedDB, fetch, Web Locks, BroadcastChannel, online
 * state) and exposes the vault service over comlink. Everything holding a key lives in this worker.
 */
import { createHeifDecoder, type GrabVideoFrame, openLocalStore } from '@halyon/client-core';
import { expose, type Remote } from 'comlink';
import { z } from 'zod';
import { webDeviceName } from '../features/settings/device-label';
import { createWorkerNetworkStatus } from './network-status';
import { createVaultService } from './vault-service';

// Must run before any schema is used: zod 4 otherwise probes `new Function`, which script-src forbids.
z.config({ jitless: true });

/**
 * The page's frame grabber (connect-vault-client.ts): a worker has no <video>. Only the file the person picked goes
 * to the page, and only its pixels come back; until the page has offered it, videos get no thumbnail.
 */
let pageFrameGrabber: Remote<GrabVideoFrame> | null = null;
const grabVideoFrame: GrabVideoFrame = async (video) => (pageFrameGrabber ? pageFrameGrabber(video) : null);

const service = createVaultService({
  server: self.location.origin,
  platform: {
    openStore: (name) => openLocalStore(name),
    fetch: fetch.bind(globalThis),
    network: createWorkerNetworkStatus(),
    locks: navigator.locks,
    openChannel: (name) => new BroadcastChannel(name),
    deviceName: webDeviceName(navigator.userAgent),
  },
  grabVideoFrame,
  // HEIC where createImageBitmap cannot decode it: libheif-js, fetched only when the first such file is met.
  heifDecoder: createHeifDecoder(() => import('./load-libheif').then((m) => m.loadLibheif())),
});

expose(
  Object.assign(service, {
    useFrameGrabber(grab: Remote<GrabVideoFrame>) {
      pageFrameGrabber = grab;
    },
  }),
);
