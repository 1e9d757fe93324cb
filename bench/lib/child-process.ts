/**
 * Runs a bench helper file as a child process (`node --import tsx FILE ARGS`) and waits for the one JSON line it
 * prints when ready; closing its stdin stops it. Used by child-server.ts and child-s3rver.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ChildProcess<Ready> {
  readonly ready: Ready;
  /** For the parent to read the child's CPU time (it is not the client's). */
  readonly pid: number;
  stop(): Promise<void>;
}

export const startChildProcess = async <Ready>(
  fileUrl: string,
  args: ReadonlyArray<string>,
  what: string,
): Promise<ChildProcess<Ready>> => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(fileUrl), ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const ready = await Promise.race([
    once(lines, 'line').then(([line]) => JSON.parse(line as string) as Ready),
    exited.then(([code]) => {
      throw new Error(`${what} exited with ${code} before it was ready`);
    }),
  ]);
  return {
    ready,
    pid: child.pid ?? 0,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
};

/** True when this module is the process's entry file (the child side). */
export const isEntryFile = (fileUrl: string): boolean =>
  process.argv[1] !== undefined && fileURLToPath(fileUrl) === process.argv[1];
