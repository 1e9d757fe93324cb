/** @module Hands the vault client and its pushed state to the feature screens, their only source of data. */

import { createContext, type JSX, useContext } from 'solid-js';
import type { VaultEvents } from './create-vault-events';
import type { PhotoId, Result, VaultClient } from './vault-client';

interface Vault {
  readonly client: VaultClient;
  readonly events: VaultEvents;
}

const VaultContext = createContext<Vault>();

export const VaultProvider = (props: Vault & { readonly children: JSX.Element }) => (
  <VaultContext.Provider value={{ client: props.client, events: props.events }}>
    {props.children}
  </VaultContext.Provider>
);

const useVaultContext = (): Vault => {
  const vault = useContext(VaultContext);
  if (!vault) throw new Error('used outside <VaultProvider>');
  return vault;
};

export const useVault = (): VaultClient => useVaultContext().client;
export const useVaultEvents = (): VaultEvents => useVaultContext().events;

/**
 * Turns a blob loader into an object URL getter. The caller owns the URL and revokes it (the grid and the
 * viewer do when the image leaves the screen), so no decrypted image outlives its use.
 */
export const makeObjectUrlGetter =
  <E,>(load: (id: PhotoId) => Promise<Result<Blob, E>>) =>
  async (id: PhotoId): Promise<string | null> => {
    const result = await load(id);
    return result.ok ? URL.createObjectURL(result.value) : null;
  };
