/**
 * @module The sync HTTP edge, mounted under /v1: validates every request with the protocol schemas, calls the
 * service, shapes every answer with the server epoch, and turns the service's expected failures into problems.
 * All routes require authentication (the router mounts requireAuth itself).
 */
import {
  CreateCollectionRequest,
  type CreateCollectionResponse,
  ListCollectionsQuery,
  type ListCollectionsResponse,
  PullRequest,
  type PullResponse,
  PushRequest,
  type PushResponse,
  ReconcileRequest,
  type ReconcileResponse,
} from '@halyon/protocol';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/app-env';
import { problem } from '../../http/problem';
import { readJson, readQuery } from '../../http/read-json';
import { bodyLimit } from '../../middleware/body-limit';
import type { PokeHub } from './poke-hub';
import {
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

export interface SyncRoutesDeps extends SyncServiceDeps {
  readonly epoch: string;
  readonly pokes: PokeHub;
  readonly requireAuth: MiddlewareHandler<AppEnv>;
  /** How often an idle event stream sends a heartbeat comment. */
  readonly heartbeatMs?: number;
}

export function createSyncRoutes(deps: SyncRoutesDeps): Hono<AppEnv> {
  const { epoch } = deps;
  const routes = new Hono<AppEnv>();
  routes.use('/collections', deps.requireAuth);
  routes.use('/sync/*', deps.requireAuth);
  routes.use('/sync/*', bodyLimit(deps.limits.maxBodyBytes));

  routes.post('/collections', async (c) => {
    const input = await readJson(c, CreateCollectionRequest);
    const result = await createCollection(deps, c.get('auth').userId, input);
    if (!result.ok) throw toProblem(result.error);
    return c.json({ epoch, membership: result.value } satisfies CreateCollectionResponse);
  });

  routes.get('/collections', async (c) => {
    const { since } = readQuery(c, ListCollectionsQuery);
    const changes = await listCollections(deps, c.get('auth').userId, since);
    return c.json({
      epoch,
      cursor: changes.cursor,
      upserted: [...changes.upserted],
      removed: [...changes.removed],
    } satisfies ListCollectionsResponse);
  });

  routes.post('/sync/push', async (c) => {
    const { ops } = await readJson(c, PushRequest);
    const result = await push(deps, c.get('auth').userId, ops);
    if (!result.ok) throw toProblem(result.error);
    return c.json({ epoch, results: result.value } satisfies PushResponse);
  });

  routes.post('/sync/pull', async (c) => {
    const input = await readJson(c, PullRequest);
    const result = await pull(deps, c.get('auth').userId, input);
    if (!result.ok) throw toProblem(result.error);
    const page: PullOutput = result.value;
    return c.json({
      epoch,
      changes: [...page.changes],
      cursors: page.cursors,
      hasMore: page.hasMore,
    } satisfies PullResponse);
  });

  routes.post('/sync/reconcile', async (c) => {
    const input = await readJson(c, ReconcileRequest);
    const result = await reconcile(deps, c.get('auth').userId, input);
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
    streamSyncEvents(c, { db: deps.db, pokes: deps.pokes, epoch, heartbeatMs: deps.heartbeatMs ?? 15_000 }),
  );

  return routes;
}

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
