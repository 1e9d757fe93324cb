/**
 * @module GET /v1/openapi.json and GET /v1/docs, built once from the RouteSpecs of every mounted feature.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env';
import { DOCS_PAGE_CSP, renderDocsPage } from './docs-page';
import { buildOpenApiDocument } from './document';
import type { RouteSpec } from './route-spec';

export function createOpenApiRoutes(routeSpecs: () => readonly RouteSpec[]): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  let document: string | undefined;
  let page: string | undefined;

  routes.get('/v1/openapi.json', (c) => {
    document ??= JSON.stringify(buildOpenApiDocument(routeSpecs()));
    return c.body(document, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  });

  routes.get('/v1/docs', (c) => {
    page ??= renderDocsPage(routeSpecs());
    return c.html(page, 200, { 'Content-Security-Policy': DOCS_PAGE_CSP, 'Cache-Control': 'no-cache' });
  });
  return routes;
}

export const openApiRouteSpecs: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This API as an OpenAPI 3.1 document',
    tags: ['operations'],
    auth: false,
    responses: { 200: { description: 'The document.', schema: z.looseObject({ openapi: z.string() }) } },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/docs',
    operationId: 'docs',
    summary: 'A readable API reference (HTML)',
    tags: ['operations'],
    auth: false,
    responses: { 200: { description: 'The page.', contentType: 'text/html' } },
    errors: [],
  },
];
