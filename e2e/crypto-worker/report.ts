import type { VectorResult } from '../../client-core/src/crypto/vectors/check-vectors';

/** What the worker posts back to the page. */
export interface WorkerReport {
  /** True when the code ran in a dedicated worker (no `document`, `importScripts` present). */
  readonly inWorker: boolean;
  /** The X25519/Ed25519 backend client-core picked in this runtime. */
  readonly curveBackend: string;
  readonly results: ReadonlyArray<VectorResult>;
  /** Argon2id run in a nested worker (createWorkerArgon2Runner), as the web app's worker runs it. */
  readonly argon2Worker: {
    /** The nested worker derived the same auth key as the worker's own thread. */
    readonly sameKeysAsInThread: boolean;
    /** Estimated fractions reported while the nested worker ran. */
    readonly progressTicks: number;
    /** The error type returned when aborted on the first progress tick, mid-pass. */
    readonly abortedMidPass: string;
  };
}
