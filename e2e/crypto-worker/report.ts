import type { VectorResult } from '../../client-core/src/crypto/vectors/check-vectors';

/** What the worker posts back to the page. */
export interface WorkerReport {
  /** True when the code ran in a dedicated worker (no `document`, `importScripts` present). */
  readonly inWorker: boolean;
  /** The X25519/Ed25519 backend client-core picked in this runtime. */
  readonly curveBackend: string;
  readonly results: ReadonlyArray<VectorResult>;
}
