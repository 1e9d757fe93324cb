/**
 * @module Serving an app over HTTP with a graceful stop: stop accepting, let in-flight requests finish (idle
 * keep-alive connections are closed at once), and after a grace period cut whatever is left.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from './app-env';

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  /** Resolves once every connection has closed (at the latest after `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

export function startHttpServer(
  app: Hono<AppEnv>,
  options: { readonly host: string; readonly port: number },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port });
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      const { port } = server.address() as AddressInfo;
      const http = server as import('node:http').Server;
      let stopping: Promise<void> | undefined;
      resolve({
        port,
        url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
        stop(graceMs) {
          stopping ??= new Promise<void>((done) => {
            const sweeper = setInterval(() => http.closeIdleConnections(), 50);
            const deadline = setTimeout(() => http.closeAllConnections(), graceMs);
            http.close(() => {
              clearInterval(sweeper);
              clearTimeout(deadline);
              done();
            });
            http.closeIdleConnections();
          });
          return stopping;
        },
      });
    });
  });
}
