/**
 * @module The page's side of the worker: a typed comlink wrapper. Callbacks (watch, onStatus) are passed as
 * comlink proxies, so a watched query's fresh results arrive in the page as plain objects.
 */
import { proxy, type Remote, wrap } from 'comlink';
import type { RunnerStatus } from '../sync/runner';
import type { QueryName, RemoteApi } from './remote-api';
import type { LibraryQueriesFor } from './remote-types';

export interface WorkerClient {
  readonly api: Remote<RemoteApi>;
  /** Subscribes to a query; resolves to the unsubscribe, or null when the worker is not signed in. */
  watch<N extends QueryName>(
    name: N,
    args: Parameters<LibraryQueriesFor[N]>,
    onChange: (value: ReturnType<LibraryQueriesFor[N]>) => void,
  ): Promise<(() => Promise<void>) | null>;
  onStatus(listener: (status: RunnerStatus) => void): Promise<(() => Promise<void>) | null>;
}

type RemoteStop = () => Promise<void>;

export const connectToWorker = (worker: Worker): WorkerClient => {
  const api = wrap<RemoteApi>(worker);
  return {
    api,
    async watch(name, args, onChange) {
      // comlink hands the worker's unsubscribe proxy back as a remote function (calls return promises).
      const stop = (await api.watch(
        name,
        args as never,
        proxy(onChange) as never,
      )) as unknown as RemoteStop | null;
      return stop ? () => stop() : null;
    },
    async onStatus(listener) {
      const stop = (await api.onStatus(proxy(listener))) as unknown as RemoteStop | null;
      return stop ? () => stop() : null;
    },
  };
};
