/**
 * @module The sync HTTP edge, mounted under /v1: validates every request with the protocol schemas, calls the
 * service, shapes every answer with the server epoch, and turns the service's expected failures into problems.
 * Every route requires an access token and is rate-limited per token (429 rate_limited with Retry-After). The body cap is the app's global one (config.sync.maxBodyBytes).
 */
import {
  CreateCollectionRequest,
  CreateCollectionResponse,
  ListCollectionsQuery,
  ListCollectionsResponse,
  PullRequest,
  PullResponse,
  PushRequest,
  PushResponse,
  ReconcileRequest,
  ReconcileResponse,
} from '@halyon/protocol';
import { Hono } from 'hono';
import type { AppDeps } from '../../deps';
import type { AppEnv } from '../../http/app-env';
import { problem } from '../../http/problem';
import { readJson, readQuery } from '../../http/read-json';
import { requireAuth } from '../../middleware/auth';
import { rateLimit } from '../../middleware/rate-limit';
import type { RouteSpec } from '../../openapi/route-spec';
import {
  type CheckBlobRefs,
  createCollection,
  listCollections,
  type PullOutput,
  pull,
  push,
  reconcile,
  type SyncServiceDeps,
} from './sync.service';
import type { SyncError } from './sync-errors';
import { streamSyncEvents } from './sync-events';

export interface SyncRoutesOptions {
  /** The blobs feature's reference check; until blobs exist, every blob reference is refused. */
  readonly checkBlobRefs?: CheckBlobRefs;
  /** How often an idle event stream sends a heartbeat comment. */
  readonly heartbeatMs?: number;
}

/** Refuses every blob reference: the answer when no blob store is wired in. */
export const refuseBlobRefs: CheckBlobRefs = async (_trx, _userId, blobIds) =>
  new Map(blobIds.map((id) => [id, 'blob_not_found'] as const));

export function createSyncRoutes(deps: AppDeps, options: SyncRoutesOptions = {}): Hono<AppEnv> {
  const epoch = deps.meta.epoch;
  const service: SyncServiceDeps = {
    db: deps.db,
    limits: deps.config.sync,
    now: () => deps.clock.now(),
    checkBlobRefs: options.checkBlobRefs ?? refuseBlobRefs,
  };
  const routes = new Hono<AppEnv>();
  // Per access token, after authentication: one bucket across every sync endpoint.
  const authenticated = [
    requireAuth(deps),
    rateLimit({ ...deps.config.rateLimit, clock: deps.clock }),
  ] as const;
  routes.use('/collections', ...authenticated);
  routes.use('/sync/*', ...authenticated);

  routes.post('/collections', async (c) => {
    const input = await readJson(c, CreateCollectionRequest);
    const result = await createCollection(service, c.get('auth').userId, input);
    if (!result.ok) throw toProblem(result.error);
    return c.json({ epoch, membership: result.value } satisfies CreateCollectionResponse);
  });

  routes.get('/collections', async (c) => {
    const { since } = readQuery(c, ListCollectionsQuery);
    const changes = await listCollections(service, c.get('auth').userId, since);
    return c.json({
      epoch,
      cursor: changes.cursor,
      upserted: [...changes.upserted],
      removed: [...changes.removed],
    } satisfies ListCollectionsResponse);
  });

  routes.post('/sync/push', async (c) => {
    const { ops } = await readJson(c, PushRequest);
    const result = await push(service, c.get('auth').userId, ops);
    if (!result.ok) throw toProblem(result.error);
    return c.json({ epoch, results: result.value } satisfies PushResponse);
  });

  routes.post('/sync/pull', async (c) => {
    const input = await readJson(c, PullRequest);
    const result = await pull(service, c.get('auth').userId, input);
    if (!result.ok) throw toProblem(result.error);
    const page: PullOutput = result.value;
    return c.body(
      pullAnswerText({ epoch, changes: [...page.changes], cursors: page.cursors, hasMore: page.hasMore }),
      200,
      {
        'Content-Type': 'application/json',
      },
    );
  });

  routes.post('/sync/reconcile', async (c) => {
    const input = await readJson(c, ReconcileRequest);
    const result = await reconcile(service, c.get('auth').userId, input);
    if (!result.ok) throw toProblem(result.error);
    const answer = result.value;
    return c.json({
      epoch,
      seq: answer.seq,
      changed: [...answer.changed],
      missing: [...answer.missing],
      hasMore: answer.hasMore,
      resumeAfter: answer.resumeAfter,
    } satisfies ReconcileResponse);
  });

  routes.get('/sync/events', (c) =>
    streamSyncEvents(c, {
      db: deps.db,
      pokes: deps.pokes,
      epoch,
      heartbeatMs: options.heartbeatMs ?? 15_000,
    }),
  );

  return routes;
}

/**
 * A pull answer as JSON laid out one record per line: the head (epoch, cursors, hasMore) and `"changes":[` on the
 * first line, each record on a line of its own, and `]}` on the last. Any JSON reader reads it as before; a client
 * can act on the head and parse records as the lines arrive (client-core/src/transport/json-lines.ts).
 * See: [Note: Pulling ahead]
 */
export const pullAnswerText = (answer: PullResponse): string => {
  const head = JSON.stringify({ epoch: answer.epoch, cursors: answer.cursors, hasMore: answer.hasMore });
  const lines = answer.changes.map((change) => JSON.stringify(change));
  return `${head.slice(0, -1)},"changes":[\n${lines.join(',\n')}\n]}`;
};

function toProblem(error: SyncError) {
  switch (error.type) {
    case 'CollectionNotFound':
      return problem(404, 'collection_not_found', 'Unknown collections, or ones you are not a member of.', {
        collectionIds: [...error.collectionIds],
      });
    case 'CollectionExists':
      return problem(409, 'collection_exists', 'This collection id is taken; choose another id.');
    case 'CursorExpired':
      return problem(
        410,
        'cursor_expired',
        'Reconcile these collections, then pull from the seq it returns.',
        {
          collectionIds: [...error.collectionIds],
        },
      );
    case 'BatchTooLarge':
      return problem(
        413,
        'batch_too_large',
        `${error.count} items sent; at most ${error.limit} per request.`,
      );
  }
}

export const syncRouteSpecs: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/v1/collections',
    operationId: 'createCollection',
    summary: 'Create a collection with a client-chosen id (idempotent)',
    description:
      'Creating an id you already own answers the existing membership. An id owned by someone else is ' +
      '`collection_exists`.',
    tags: ['sync'],
    auth: true,
    request: { body: CreateCollectionRequest },
    responses: {
      200: { description: 'Your membership of the collection.', schema: CreateCollectionResponse },
    },
    errors: ['collection_exists'],
  },
  {
    method: 'get',
    path: '/v1/collections',
    operationId: 'listCollections',
    summary: 'Memberships added, changed or removed since a membership cursor',
    tags: ['sync'],
    auth: true,
    request: { query: ListCollectionsQuery },
    responses: {
      200: { description: 'The diff and the cursor to send next time.', schema: ListCollectionsResponse },
    },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/sync/push',
    operationId: 'push',
    summary: 'Write records: compare-and-set per op, a result per op in request order',
    description:
      'Each op applies only if its record is still at `baseVersion` (0 creates). A retried `opId` is answered ' +
      '`applied` with `replayed: true` and its original version and seq. Ops sharing a `group` land together ' +
      'or not at all. See docs/protocol.md.',
    tags: ['sync'],
    auth: true,
    request: { body: PushRequest },
    responses: { 200: { description: 'One result per op.', schema: PushResponse } },
    errors: ['batch_too_large'],
  },
  {
    method: 'post',
    path: '/v1/sync/pull',
    operationId: 'pull',
    summary: 'Records and tombstones after each cursor, in seq order, in capped pages',
    description:
      'Store the changes and the returned cursors together; pull again while `hasMore`. A cursor below the ' +
      'tombstone purge floor is `cursor_expired` (410): reconcile those collections. The body is ordinary JSON ' +
      'laid out one record per line: `epoch`, `cursors` and `hasMore` come first, then `"changes":[` ending the ' +
      'first line, each record on a line of its own, and `]}` on the last, so a client may act on the cursors ' +
      'and read records as they arrive (docs/protocol.md).',
    tags: ['sync'],
    auth: true,
    request: { body: PullRequest },
    responses: { 200: { description: 'A page of changes and the advanced cursors.', schema: PullResponse } },
    errors: ['collection_not_found', 'cursor_expired'],
  },
  {
    method: 'post',
    path: '/v1/sync/reconcile',
    operationId: 'reconcile',
    summary: 'Compare a page of (recordId, version) with the server after a 410',
    tags: ['sync'],
    auth: true,
    request: { body: ReconcileRequest },
    responses: { 200: { description: 'What differs in the id range.', schema: ReconcileResponse } },
    errors: ['collection_not_found', 'batch_too_large'],
  },
  {
    method: 'get',
    path: '/v1/sync/events',
    operationId: 'syncEvents',
    summary: 'Server-sent events: `ready`, then `poke` and `collections` for the caller',
    description:
      'event: ready {epoch}, then event: poke {collectionId, seq} and event: collections {cursor}; a comment ' +
      'line as heartbeat. Pull once after `ready` and after every poke.',
    tags: ['sync'],
    auth: true,
    responses: { 200: { description: 'An endless text/event-stream.', contentType: 'text/event-stream' } },
    errors: [],
  },
];
