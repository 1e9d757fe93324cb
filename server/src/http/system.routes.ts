/**
 * @module Operational endpoints: GET /healthz (the process is up), GET /readyz (it can serve: database answers,
 * not shutting down) and GET /v1/info (protocol version, epoch, limits; what clients read first).
 */
import { PROTOCOL_VERSION, type ServerInfo, ServerInfo as ServerInfoSchema } from '@halyon/protocol';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import type { RouteSpec } from '../openapi/route-spec';
import type { AppEnv } from './app-env';
import { problem } from './problem';

const READY_TIMEOUT_MS = 2_000;

export const HealthResponse = z.object({ status: z.literal('ok') });

export function createSystemRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const { sync } = deps.config;
  const info: ServerInfo = {
    protocolVersion: PROTOCOL_VERSION,
    epoch: deps.meta.epoch,
    limits: {
      maxRecordBytes: sync.maxRecordBytes,
      maxOpsPerPush: sync.maxOpsPerPush,
      maxBodyBytes: sync.maxBodyBytes,
      pullDefaultLimit: sync.pullDefaultLimit,
      pullMaxLimit: sync.pullMaxLimit,
      pullDefaultBytes: sync.pullDefaultBytes,
      pullMaxBytes: sync.pullMaxBytes,
      reconcileMaxKnown: sync.reconcileMaxKnown,
    },
  };

  routes.get('/healthz', (c) => c.json({ status: 'ok' as const }));

  routes.get('/readyz', async (c) => {
    if (deps.lifecycle.isShuttingDown()) throw problem(503, 'unavailable', 'The server is shutting down.');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    });
    const ping = sql`SELECT 1`.execute(deps.db).then(
      () => true,
      () => false,
    );
    const databaseAnswers = await Promise.race([ping, timeout]);
    clearTimeout(timer);
    if (!databaseAnswers) throw problem(503, 'unavailable', 'The database does not answer.');
    return c.json({ status: 'ok' as const });
  });

  routes.get('/v1/info', (c) => c.json(info));
  return routes;
}

export const systemRouteSpecs: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness: the process is up',
    tags: ['operations'],
    auth: false,
    responses: { 200: { description: 'Alive.', schema: HealthResponse } },
    errors: [],
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness: the database answers and the server is not shutting down',
    tags: ['operations'],
    auth: false,
    responses: { 200: { description: 'Ready to serve.', schema: HealthResponse } },
    errors: ['unavailable'],
  },
  {
    method: 'get',
    path: '/v1/info',
    operationId: 'info',
    summary: 'Protocol version, server epoch and limits',
    description:
      'Clients size their batches from `limits` and notice a restored backup by a changed `epoch`.',
    tags: ['sync'],
    auth: false,
    responses: { 200: { description: 'About this server.', schema: ServerInfoSchema } },
    errors: [],
  },
];
