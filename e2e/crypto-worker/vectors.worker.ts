/**
 * Runs client-core's published and format vectors inside a dedicated Web Worker, where client-core lives in
 * the web app, and posts the results to the page.
 */
import { curveBackend } from '../../client-core/src/crypto/curves';
import { checkAllVectors } from '../../client-core/src/crypto/vectors/check-vectors';
import type { WorkerReport } from './report';

const scope = globalThis as unknown as {
  postMessage(message: WorkerReport): void;
  importScripts?: unknown;
  document?: unknown;
};

const [results, backend] = await Promise.all([checkAllVectors(), curveBackend()]);
scope.postMessage({
  inWorker: typeof scope.importScripts === 'function' && scope.document === undefined,
  curveBackend: backend.name,
  results,
});
