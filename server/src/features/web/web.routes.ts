/**
 * @module Serves the built web app (web/dist) at `/`: every response carries the header set the build wrote
 * to security-headers.json (the CSP with the default bucket's origin added to connect-src), hashed assets are
 * cached for a year, index.html and the service worker are revalidated on every load (so a deployment is seen),
 * and any other path that is not the API falls back to index.html for the app's client-side routes.
 * See docs/web.md, "Security headers".
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { REPO_ROOT } from '../../config';
import type { AppEnv } from '../../http/app-env';
import type { DefaultStoreConfig } from '../blobs/blobs.config';

export const WEB_DIST_DIR = resolve(REPO_ROOT, 'web/dist');

interface SecurityHeadersFile {
  readonly contentSecurityPolicy: Readonly<Record<string, ReadonlyArray<string>>>;
  readonly headers: Readonly<Record<string, string>>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** Hashed build output: its name changes whenever its bytes do. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Where presigned blob URLs point when the default store is a bucket; the page's worker fetches them. */
export const bucketOrigins = (store: DefaultStoreConfig): string[] => {
  if (store.kind !== 's3') return [];
  if (store.endpoint) return [new URL(store.endpoint).origin];
  return [`https://${store.bucket}.s3.${store.region}.amazonaws.com`];
};

export const headersFromFile = (
  file: SecurityHeadersFile,
  extraConnectSources: readonly string[],
): Readonly<Record<string, string>> => ({
  'Content-Security-Policy': Object.entries(file.contentSecurityPolicy)
    .map(([name, values]) =>
      [name, ...values, ...(name === 'connect-src' ? extraConnectSources : [])].join(' '),
    )
    .join('; '),
  ...file.headers,
});

const cacheControlOf = (relative: string) => (relative.startsWith(`assets${sep}`) ? IMMUTABLE : REVALIDATE);

export interface WebAppOptions {
  readonly distDir: string;
  readonly bucketOrigins: readonly string[];
}

/**
 * Middleware that answers what no route answered: a GET the app left at 404, outside `/v1`, gets the built
 * file or index.html. Working on the 404 (rather than as a catch-all route) keeps every route, including ones
 * registered later, ahead of the app. Without a build (no web/dist) it does nothing; `npm start` builds it.
 */
export const serveWebApp = (options: WebAppOptions): MiddlewareHandler<AppEnv> => {
  let headerFile: string;
  try {
    headerFile = readFileSync(join(options.distDir, 'security-headers.json'), 'utf8');
  } catch {
    return (_c, next) => next();
  }
  const headers = headersFromFile(JSON.parse(headerFile) as SecurityHeadersFile, options.bucketOrigins);
  const root = resolve(options.distDir);

  const send = async (relative: string) => {
    const path = resolve(root, relative);
    if (path !== root && !path.startsWith(root + sep)) return null;
    const body = await readFile(path).catch(() => null);
    if (body === null) return null;
    return new Response(body, {
      headers: {
        ...headers,
        'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        'Cache-Control': cacheControlOf(relative),
      },
    });
  };
  const fileFor = async (pathname: string) => {
    const relative = normalize(pathname).replace(/^[/\\]+/, '');
    // The build writes security-headers.json for servers, not browsers.
    if (relative !== 'security-headers.json' && relative !== '' && extname(relative) !== '') {
      const file = await send(relative);
      if (file || relative.startsWith(`assets${sep}`)) return file;
    }
    return send('index.html');
  };

  return async (c, next) => {
    await next();
    if (c.res.status !== 404 || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return;
    let pathname: string;
    try {
      pathname = decodeURIComponent(c.req.path);
    } catch {
      return;
    }
    if (pathname === '/v1' || pathname.startsWith('/v1/')) return;
    const file = await fileFor(pathname);
    if (!file) return;
    // Cleared first: Hono's setter would otherwise copy the 404's headers onto the file's.
    c.res = undefined;
    c.res = file;
  };
};
