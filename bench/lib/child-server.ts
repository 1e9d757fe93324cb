/**
 * The test server in a process of its own, for benchmarks that measure a client: started on a free loopback port
 * against DATABASE_URL (else embedded PGlite), with one registered user. Prints one JSON line
 * `{"url":..,"accessToken":..}` when ready, and stops when its stdin closes (the parent exited or let it go).
 * Run it with `node --import tsx bench/lib/child-server.ts`; `startChildServer` does.
 */
import { once } from 'node:events';
import { isEntryFile, startChildProcess } from './child-process';

export interface ChildServer {
  readonly url: string;
  readonly accessToken: string;
  /** The server process's CPU time is not ours: the parent reads it only through this pid. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts this file as a child process and waits for its ready line. */
export const startChildServer = async (): Promise<ChildServer> => {
  const { ready, pid, stop } = await startChildProcess<{ url: string; accessToken: string }>(
    import.meta.url,
    [],
    'the bench server',
  );
  return { ...ready, pid, stop };
};

if (isEntryFile(import.meta.url)) {
  const { listenOnFreePort, registerTestUser, startTestServer } = await import('@halyon/server');
  const server = await startTestServer();
  const http = await listenOnFreePort(server.app);
  const user = await registerTestUser(server);
  process.stdout.write(`${JSON.stringify({ url: http.url, accessToken: user.accessToken })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await http.stop(1000);
  await server.close();
  process.exit(0);
}
