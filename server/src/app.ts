/**
 * @module createApp(deps): the whole HTTP surface. Platform middleware first (request id, logging, security
 * headers, the global body cap), then each feature's router, then the one error handler and the 404/405 answer.
 * Every feature also exports its RouteSpecs; they feed the OpenAPI document, the reference page and the 405s.
 */
import { Hono } from 'hono';
import type { AppDeps } from './deps';
import { authRouteSpecs, createAuthRoutes } from './features/auth/auth.routes';
import { checkBlobRefs } from './features/blobs/blobs.repository';
import { blobRouteSpecs, createBlobRoutes } from './features/blobs/blobs.routes';
import { createSyncRoutes, syncRouteSpecs } from './features/sync/sync.routes';
import { bucketOrigins, serveWebApp, WEB_DIST_DIR } from './features/web/web.routes';
import type { AppEnv } from './http/app-env';
import { createErrorHandler, createNotFoundHandler } from './http/error-handler';
import { createSystemRoutes, systemRouteSpecs } from './http/system.routes';
import { bodyLimit } from './middleware/body-limit';
import { requestLogger } from './middleware/logger';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { createOpenApiRoutes, openApiRouteSpecs } from './openapi/openapi.routes';
import type { RouteSpec } from './openapi/route-spec';

export const routeSpecs: readonly RouteSpec[] = [
  ...systemRouteSpecs,
  ...authRouteSpecs,
  ...syncRouteSpecs,
  ...blobRouteSpecs,
  ...openApiRouteSpecs,
];

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(requestLogger(deps.logger));
  app.use(securityHeaders({ trustProxy: deps.config.trustProxy }));
  app.use(serveWebApp({ distDir: WEB_DIST_DIR, bucketOrigins: bucketOrigins(deps.blobs.config.store) }));
  // Before the global body cap: blob uploads stream up to the blob's declared size (see blobs.routes.ts).
  app.route('/v1', createBlobRoutes(deps, deps.blobs));
  app.use(bodyLimit(deps.config.sync.maxBodyBytes));

  app.route('/', createSystemRoutes(deps));
  app.route('/v1/auth', createAuthRoutes(deps));
  app.route('/v1', createSyncRoutes(deps, { checkBlobRefs }));
  app.route(
    '/',
    createOpenApiRoutes(() => routeSpecs),
  );

  app.onError(createErrorHandler(deps.logger));
  app.notFound(createNotFoundHandler(() => routeSpecs));
  return app;
}
