/**
 * Serves the crypto worker fixture with Vite on a free loopback port. Dependencies are not pre-bundled, so the
 * first page load never triggers Vite's reload-on-optimise.
 */
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';

const fixtureRoot = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface FixtureServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const server: ViteDevServer = await createServer({
    configFile: false,
    root: fixtureRoot,
    logLevel: 'error',
    clearScreen: false,
    optimizeDeps: { noDiscovery: true, include: [] },
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      hmr: false,
      fs: { allow: [repositoryRoot] },
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('fixture server has no port');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => server.close() };
}
