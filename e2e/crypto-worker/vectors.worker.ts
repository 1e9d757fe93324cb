/**
 * Runs client-core's published and format vectors inside a dedicated Web Worker, where client-core lives in
 * the web app, checks Argon2id cancellation through a nested worker, and posts the results to the page.
 */
import { curveBackend } from '../../client-core/src/crypto/curves';
import {
  type Argon2WorkerLike,
  createWorkerArgon2Runner,
  deriveLoginKeys,
} from '../../client-core/src/crypto/kdf';
import type { Salt } from '../../client-core/src/crypto/types';
import { checkAllVectors } from '../../client-core/src/crypto/vectors/check-vectors';
import type { WorkerReport } from './report';

const scope = globalThis as unknown as {
  postMessage(message: WorkerReport): void;
  importScripts?: unknown;
  document?: unknown;
  Worker: new (url: URL, options: { readonly type: 'module' }) => Argon2WorkerLike;
};

const argon2Runner = createWorkerArgon2Runner(
  () =>
    new scope.Worker(new URL('../../client-core/src/crypto/argon2-worker.ts', import.meta.url), {
      type: 'module',
    }),
);

async function checkArgon2Worker(): Promise<WorkerReport['argon2Worker']> {
  const salt = crypto.getRandomValues(new Uint8Array(16)) as Salt;
  const params = { algorithm: 'argon2id', memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 } as const;
  const inThread = await deriveLoginKeys('hunter2', salt, params);
  let progressTicks = 0;
  const inWorker = await deriveLoginKeys('hunter2', salt, params, {
    argon2Runner,
    onProgress: (progress) => {
      if (progress.phase === 'deriving' && progress.fraction > 0) progressTicks++;
    },
  });
  const controller = new AbortController();
  const aborted = await deriveLoginKeys(
    'hunter2',
    salt,
    { ...params, memoryKiB: 512 * 1024, iterations: 10 },
    {
      argon2Runner,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase === 'deriving' && progress.fraction > 0) controller.abort();
      },
    },
  );
  const sameKeysAsInThread =
    inThread.ok &&
    inWorker.ok &&
    inThread.value.authKey.every((byte, i) => byte === inWorker.value.authKey[i]);
  return {
    sameKeysAsInThread,
    progressTicks,
    abortedMidPass: aborted.ok ? 'not aborted' : aborted.error.type,
  };
}

const [results, backend, argon2Worker] = await Promise.all([
  checkAllVectors(),
  curveBackend(),
  checkArgon2Worker(),
]);
scope.postMessage({
  inWorker: typeof scope.importScripts === 'function' && scope.document === undefined,
  curveBackend: backend.name,
  results,
  argon2Worker,
});
