/**
 * @module Connects the UI to the client library running in a Web Worker.
 *
 * The worker entry (client-core/src/worker.ts, exposing the library with comlink) is being written; until it
 * exists this build reports the library as unavailable instead of pretending. Wiring it is one function:
 * `new Worker(new URL(...worker.ts, import.meta.url), { type: 'module' })`, `Comlink.wrap` it, and wrap every
 * listener argument (`subscribe`, `onProgress`) with `Comlink.proxy`, so the result satisfies `VaultClient`.
 */

import type { VaultClient } from './vault-client';

export type VaultConnection =
  | { readonly status: 'ready'; readonly client: VaultClient }
  | { readonly status: 'unavailable'; readonly reason: string };

export const connectVaultClient = (): VaultConnection => ({
  status: 'unavailable',
  reason: 'This build of Halyon does not include the vault library yet.',
});
