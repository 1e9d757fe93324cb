/**
 * @module Reactive views of the vault's pushed state: lock state, sync status, uploads, and a change counter
 * per part of the library that screens read to know when to query again.
 */

import { type Accessor, createSignal, onCleanup } from 'solid-js';
import type { SyncStatus, UploadItem, VaultClient, VaultState } from './vault-client';

export interface VaultEvents {
  readonly vaultState: Accessor<VaultState | null>;
  readonly syncStatus: Accessor<SyncStatus | null>;
  readonly uploads: Accessor<ReadonlyArray<UploadItem>>;
  /** Increases whenever the part changed; read it inside a resource source to refetch. */
  readonly revision: Accessor<{ readonly photos: number; readonly tags: number; readonly albums: number }>;
}

export const createVaultEvents = (client: VaultClient): VaultEvents => {
  const [vaultState, setVaultState] = createSignal<VaultState | null>(null);
  const [syncStatus, setSyncStatus] = createSignal<SyncStatus | null>(null);
  const [uploads, setUploads] = createSignal<ReadonlyArray<UploadItem>>([]);
  const [revision, setRevision] = createSignal({ photos: 0, tags: 0, albums: 0 });

  let detach: (() => void) | null = null;
  let isDisposed = false;
  void client
    .subscribe((event) => {
      switch (event.type) {
        case 'vaultStateChanged':
          setVaultState(event.state);
          break;
        case 'syncStatusChanged':
          setSyncStatus(event.status);
          break;
        case 'uploadsChanged':
          setUploads(event.items);
          break;
        case 'libraryChanged':
          setRevision((r) => ({
            photos: r.photos + (event.parts.includes('photos') ? 1 : 0),
            tags: r.tags + (event.parts.includes('tags') ? 1 : 0),
            albums: r.albums + (event.parts.includes('albums') ? 1 : 0),
          }));
          break;
      }
    })
    .then((unsubscribe) => {
      if (isDisposed) unsubscribe();
      else detach = unsubscribe;
    });
  // Initial values, after subscribing so no change between the two is lost.
  void client.getVaultState().then((state) => setVaultState((current) => current ?? state));
  void client.getSyncStatus().then((status) => setSyncStatus((current) => current ?? status));
  void client.listUploads().then((items) => setUploads((current) => (current.length > 0 ? current : items)));
  onCleanup(() => {
    isDisposed = true;
    detach?.();
  });
  return { vaultState, syncStatus, uploads, revision };
};
