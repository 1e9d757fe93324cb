/**
 * @module A loopback static server for a built web app (web/dist or web/dist-gallery), sending the headers
 * from the build's security-headers.json exactly as the real server must. Navigations fall back to
 * index.html (client-side routes); `/api/*` answers a small JSON body so tests can check that nothing from the
 * API is cached by the service worker.
 */

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

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
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

export interface StaticServer {
  readonly origin: string;
  readonly close: () => Promise<void>;
}

export const headersFromFile = (file: SecurityHeadersFile): Readonly<Record<string, string>> => ({
  'Content-Security-Policy': Object.entries(file.contentSecurityPolicy)
    .map(([name, values]) => [name, ...values].join(' '))
    .join('; '),
  ...file.headers,
});

export interface ServeOptions {
  /** Changes a file's bytes as served, e.g. to simulate a new deployment of `sw.js`. */
  readonly transform?: (path: string, body: Buffer) => Buffer;
  /** Told the path of every request that reaches the server. */
  readonly onRequest?: (pathname: string) => void;
}

export const serveStatic = async (root: string, options: ServeOptions = {}): Promise<StaticServer> => {
  const securityHeaders = headersFromFile(
    JSON.parse(await readFile(join(root, 'security-headers.json'), 'utf8')) as SecurityHeadersFile,
  );
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      options.onRequest?.(url.pathname);
      for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
      if (url.pathname.startsWith('/api/')) {
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify({ path: url.pathname, servedAt: Date.now() }));
        return;
      }
      const relative = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
      const candidate = join(root, relative === '/' ? 'index.html' : relative);
      const path =
        candidate.startsWith(root) && extname(candidate) !== '' ? candidate : join(root, 'index.html');
      try {
        const original = await readFile(path);
        const body = options.transform ? options.transform(path, original) : original;
        response.writeHead(200, {
          'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
          'cache-control': path.endsWith('sw.js') || path.endsWith('.html') ? 'no-cache' : 'max-age=31536000',
        });
        response.end(body);
      } catch {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};
