/**
 * @module The server as the sync engine sees it. transport/fetch-transport.ts implements it over HTTP, parsing
 * every response with the protocol schemas; tests use doubles and the hostile-server wrapper. Expected failures
 * (the network is down, the server said no, the server said something invalid) are values.
 */
import type {
  CreateCollectionRequest,
  CreateCollectionResponse,
  ListCollectionsResponse,
  Problem,
  PullRequest,
  PullResponse,
  PushRequest,
  PushResponse,
  ReconcileRequest,
  ReconcileResponse,
  ServerInfo,
} from '@halyon/protocol';
import type { Result } from '../result';

export type TransportError =
  /** The server answered with application/problem+json. */
  | { readonly type: 'ProblemResponse'; readonly status: number; readonly problem: Problem }
  /** No answer: offline, connection refused or reset, DNS, aborted. */
  | { readonly type: 'NetworkFailure'; readonly message: string }
  /** An answer that does not match the protocol: wrong status, content type or body. */
  | { readonly type: 'InvalidResponse'; readonly status: number; readonly reason: string };

export type ServerEvent =
  | { readonly type: 'ready'; readonly epoch: string }
  | { readonly type: 'poke'; readonly collectionId: string; readonly seq: number }
  | { readonly type: 'collections'; readonly cursor: number };

export type TransportResult<T> = Promise<Result<T, TransportError>>;

/** A pull answer but its changes: what the engine needs to ask for the next page. See: [Note: Pulling ahead] */
export type PullHead = Omit<PullResponse, 'changes'>;

/** The same epoch, hasMore and cursors: an answer carries the head handed out early, or the engine drops it. */
export const isSamePullHead = (a: PullHead, b: PullHead): boolean => {
  if (a.epoch !== b.epoch || a.hasMore !== b.hasMore) return false;
  const keys = Object.keys(a.cursors);
  return (
    keys.length === Object.keys(b.cursors).length &&
    keys.every((key) => Object.hasOwn(b.cursors, key) && a.cursors[key] === b.cursors[key])
  );
};

export interface Transport {
  info(): TransportResult<ServerInfo>;
  listCollections(since: number): TransportResult<ListCollectionsResponse>;
  createCollection(request: CreateCollectionRequest): TransportResult<CreateCollectionResponse>;
  push(request: PushRequest): TransportResult<PushResponse>;
  /**
   * `onHead`, if the transport can, is called with the answer's head before its changes have arrived; the answer
   * then carries that same head. A transport may never call it. See: [Note: Pulling ahead]
   */
  pull(request: PullRequest, onHead?: (head: PullHead) => void): TransportResult<PullResponse>;
  reconcile(request: ReconcileRequest): TransportResult<ReconcileResponse>;
  /** The live event stream; it ends when the connection drops or `signal` aborts. */
  events(signal: AbortSignal): TransportResult<AsyncIterable<ServerEvent>>;
}

export const isRetryable = (error: TransportError): boolean =>
  error.type === 'NetworkFailure' ||
  (error.type === 'ProblemResponse' &&
    (error.status >= 500 || error.problem.code === 'rate_limited' || error.problem.code === 'unavailable'));
