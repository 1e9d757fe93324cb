import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './config';
import { createScratchPostgres, type ScratchPostgres } from './test/test-database';

let dataDir: string;
let scratch: ScratchPostgres | undefined;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'halyon-main-'));
  scratch = await createScratchPostgres();
});
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await scratch?.drop();
});

/** Starts the server the way `npm start` does (tsx src/main.ts) and collects its log lines. */
function startServerProcess(): {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  url: Promise<string>;
} {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HALYON_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  if (scratch) env.DATABASE_URL = scratch.url;
  // As server/package.json's start script: tsx as a loader in the server's own process, not as a wrapper
  // process (the wrapper SIGKILLs its child when the child is slow to acknowledge a relayed SIGTERM).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(REPO_ROOT, 'server'),
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.msg === 'listening') resolve(entry.url as string);
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
  return { child, lines, url };
}

async function stopWithSigterm(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

describe('the server process', () => {
  it('starts migrated on a fresh data directory, serves, stops cleanly on SIGTERM and restarts as itself', async () => {
    const first = startServerProcess();
    const base = await first.url;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    if (!scratch) expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);

    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(((await (await fetch(`${base}/v1/openapi.json`)).json()) as { openapi: string }).openapi).toBe(
      '3.1.0',
    );
    const { epoch } = (await (await fetch(`${base}/v1/info`)).json()) as { epoch: string };
    expect(first.lines.some((l) => l.msg === 'migration applied')).toBe(true);
    expect(first.lines.some((l) => l.msg === 'request' && l.path === '/healthz' && l.status === 200)).toBe(
      true,
    );

    expect(await stopWithSigterm(first.child)).toBe(0);
    expect(first.lines.at(-1)?.msg).toBe('stopped');

    // Same database, second start: nothing left to migrate, and the same epoch (clients must not re-sync).
    const second = startServerProcess();
    const again = await second.url;
    expect(((await (await fetch(`${again}/v1/info`)).json()) as { epoch: string }).epoch).toBe(epoch);
    expect(second.lines.some((l) => l.msg === 'migration applied')).toBe(false);
    expect(await stopWithSigterm(second.child)).toBe(0);
  });
});
