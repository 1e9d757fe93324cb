/**
 * @module Connects the UI to the client library running in a Web Worker (src/worker/vault.worker.ts). The page
 * holds only a comlink proxy: every call crosses to the worker, listener arguments (`subscribe`, `onProgress`)
 * are wrapped with `Comlink.proxy` so the worker can call back, and the unsubscribe the worker returns is a
 * remote function the page calls like a local one. The page also lends the worker its video frame grabber (a worker
 * has no <video>): the worker sends it the file the person picked and gets back only the frame's pixels.
 */

import { grabVideoFrame } from '@halyon/client-core/video-frame';
import { proxy, transfer, wrap } from 'comlink';
import { forwardOnlineEvents } from '../worker/network-status';
import type { VaultClient } from './vault-client';

export type VaultConnection =
  | { readonly status: 'ready'; readonly client: VaultClient }
  | { readonly status: 'unavailable'; readonly reason: string };

export const connectVaultClient = (): VaultConnection => {
  if (typeof Worker === 'undefined')
    return { status: 'unavailable', reason: 'This browser cannot run the vault (no Web Workers).' };
  const worker = new Worker(new URL('../worker/vault.worker.ts', import.meta.url), {
    type: 'module',
    name: 'halyon-vault',
  });
  forwardOnlineEvents();
  const remote = wrap<Record<string, (...args: unknown[]) => Promise<unknown>>>(worker);
  void remote.useFrameGrabber!(
    proxy(async (video: Blob) => {
      const frame = await grabVideoFrame(video);
      return frame ? transfer(frame, [frame]) : null;
    }),
  );
  const client = new Proxy({} as VaultClient, {
    get: (_target, name) => {
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (...args: unknown[]) =>
        remote[name]!(...args.map((arg) => (typeof arg === 'function' ? proxy(arg) : arg)));
    },
  });
  return { status: 'ready', client };
};
