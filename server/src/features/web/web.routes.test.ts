import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../http/app-env';
import { securityHeaders } from '../../middleware/security-headers';
import { bucketOrigins, serveWebApp } from './web.routes';

const HEADER_FILE = {
  contentSecurityPolicy: { 'default-src': ["'self'"], 'connect-src': ["'self'"] },
  headers: { 'Cross-Origin-Resource-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
};

let dist: string;
let app: Hono<AppEnv>;
beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'halyon-web-dist-'));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Halyon</title>');
  await writeFile(join(dist, 'sw.js'), 'self.addEventListener("install", () => {});');
  await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1);');
  await writeFile(join(dist, 'security-headers.json'), JSON.stringify(HEADER_FILE));
  app = new Hono<AppEnv>();
  app.use(securityHeaders({ trustProxy: false }));
  app.use(serveWebApp({ distDir: dist, bucketOrigins: ['https://bucket.example'] }));
  app.get('/v1/info', (c) => c.json({ ok: true }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
});
afterAll(async () => {
  await rm(dist, { recursive: true, force: true });
});

describe('the web app served from web/dist', () => {
  it('sends index.html at / with the build header set and the bucket origin in connect-src', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Halyon</title>');
    expect(response.headers.get('Content-Security-Policy')).toBe(
      "default-src 'self'; connect-src 'self' https://bucket.example",
    );
    expect(response.headers.get('Cross-Origin-Resource-Policy')).toBe('same-origin');
    expect(response.headers.get('Cross-Origin-Embedder-Policy')).toBe('require-corp');
    expect(response.headers.get('Cache-Control')).toBe('no-cache');
  });

  it('caches hashed assets for a year and revalidates the service worker', async () => {
    const asset = await app.request('/assets/index-abc123.js');
    expect(asset.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('Content-Type')).toContain('text/javascript');
    const sw = await app.request('/sw.js');
    expect(sw.headers.get('Cache-Control')).toBe('no-cache');
  });

  it('answers client-side routes with index.html, but not the API or missing assets', async () => {
    const route = await app.request('/albums/123');
    expect(await route.text()).toContain('<title>Halyon</title>');
    expect((await app.request('/v1/nope')).status).toBe(404);
    expect((await app.request('/assets/gone-123.js')).status).toBe(404);
    expect(await (await app.request('/v1/info')).json()).toEqual({ ok: true });
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('never serves files outside web/dist or the server-only header file as such', async () => {
    const traversal = await app.request('/..%2F..%2Fetc%2Fpasswd');
    expect(await traversal.text()).not.toContain('root:');
    const headerFile = await app.request('/security-headers.json');
    expect(await headerFile.text()).toContain('<title>Halyon</title>');
  });

  it('takes the bucket origin from an S3 endpoint', () => {
    expect(
      bucketOrigins({
        kind: 's3',
        endpoint: 'http://127.0.0.1:9000/path',
        bucket: 'b',
        region: 'r',
      } as never),
    ).toEqual(['http://127.0.0.1:9000']);
    expect(bucketOrigins({ kind: 'filesystem', rootDir: '/x' })).toEqual([]);
  });
});
