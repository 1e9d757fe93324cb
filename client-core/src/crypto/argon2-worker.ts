/**
 * @module Worker entry for createWorkerArgon2Runner (kdf.ts): runs one Argon2id derivation per message. Spawned
 * fresh per derivation; terminating it is how a derivation is cancelled mid-pass.
 * See: [Note: KDF progress and cancel]
 */
import { type Argon2Request, type Argon2Response, handleArgon2Request } from './kdf';

const scope = globalThis as unknown as {
  onmessage: ((event: { readonly data: Argon2Request }) => void) | null;
  postMessage(message: Argon2Response): void;
};

scope.onmessage = async (event) => {
  scope.postMessage(await handleArgon2Request(event.data));
};
