/**
 * @module The real Halyon server (server/src/main.ts) for browser specs: its own process on a free loopback
 * port, blobs (and PGlite, unless DATABASE_URL is set) in a temporary data directory, serving web/dist at `/`.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = fileURLToPath(new URL('../../server', import.meta.url));

export interface RealServer {
  readonly origin: string;
  /** Blobs in `${dataDir}/blobs`, PGlite (unless DATABASE_URL is set) in `${dataDir}/pglite`. */
  readonly dataDir: string;
  /** Ends the process and keeps the data directory, for specs that inspect what the server stored. */
  readonly stop: () => Promise<void>;
  /** Ends the process (if still running) and removes the data directory. */
  readonly close: () => Promise<void>;
}

export interface RealServerOptions {
  /** Added to the server's environment, e.g. BLOB_STORAGE_KEY for specs with users' own buckets. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Resolves with the origin once the server logs that it listens (PORT=0: the OS picks a free port). */
export const startRealServer = async (options: RealServerOptions = {}): Promise<RealServer> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'halyon-real-web-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    // Data directory, port and host stay the harness's own: the specs rely on them.
    env: { ...process.env, ...options.env, HALYON_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /"msg":"listening","url":"(http:\/\/[^"]+)"/.exec(output);
      if (listening) resolve(listening[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  return {
    origin,
    dataDir,
    stop,
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
