/** @module Test helper: the real server in-process on a free loopback port, started once per test file. */
import { listenOnFreePort, startTestServer } from '@halyon/server';
import { afterAll, beforeAll } from 'vitest';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export interface RealServer {
  /** The in-process server: its database, clock and helpers. */
  readonly server: TestServer;
  /** Its base URL on loopback. */
  readonly url: string;
}

/** Starts the server before the file's tests and stops it after them; read the fields inside tests only. */
export const useRealServer = (options?: Parameters<typeof startTestServer>[0]): RealServer => {
  let server: TestServer | undefined;
  let http: Awaited<ReturnType<typeof listenOnFreePort>> | undefined;
  beforeAll(async () => {
    server = await startTestServer(options);
    http = await listenOnFreePort(server.app);
  });
  afterAll(async () => {
    await http?.stop(1000);
    await server?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the real server starts in beforeAll: read it inside a test');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get url() {
      return started(http).url;
    },
  };
};
