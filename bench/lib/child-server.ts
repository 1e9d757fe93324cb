/**
 * The test server in a process of its own, for benchmarks that measure a client: started on a free loopback port
 * against DATABASE_URL (else embedded PGlite), with one registered user. Prints one JSON line
 * `{"url":..,"accessToken":..}` when ready, and stops when its stdin closes (the parent exited or let it go).
 * Run it with `node --import tsx bench/lib/child-server.ts`; `startChildServer` does.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  readonly url: string;
  readonly accessToken: string;
  /** The server process's CPU time is not ours: the parent reads it only through this pid. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts this file as a child process and waits for its ready line. */
export const startChildServer = async (): Promise<ChildServer> => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const ready = await Promise.race([
    once(lines, 'line').then(([line]) => JSON.parse(line as string) as { url: string; accessToken: string }),
    exited.then(([code]) => {
      throw new Error(`the bench server exited with ${code} before it was ready`);
    }),
  ]);
  return {
    ...ready,
    pid: child.pid ?? 0,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
};

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry) {
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
