import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LoginResponse, ReserveBlobResponse, UploadTargetResponse } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../config';
import { createScratchPostgres, type ScratchPostgres } from '../../test/test-database';
import { newRegisterRequest } from '../../test/test-server';

const MiB = 1024 * 1024;

let dataDir: string;
let scratch: ScratchPostgres | undefined;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'halyon-blobs-process-'));
  scratch = await createScratchPostgres();
});
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await scratch?.drop();
});

/** The server as `npm start` runs it, on this test's data directory (and database). */
function startServer(): { child: ChildProcess; url: Promise<string> } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HALYON_DATA_DIR: dataDir,
    LOG_LEVEL: 'info', // 'listening' says where
    SCRYPT_LOG_N: '10',
  };
  delete env.DATABASE_URL;
  if (scratch) env.DATABASE_URL = scratch.url;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(REPO_ROOT, 'server'),
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening') resolve(entry.url!);
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
  return { child, url };
}

async function call<T>(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

describe('a blob upload when the server process dies', () => {
  it('shows no blob after the server is killed mid-upload, and completes intact after a restart', async () => {
    const first = startServer();
    const base = await first.url;
    const registration = newRegisterRequest();
    await call(base, 'POST', '/v1/auth/register', undefined, registration);
    const { accessToken } = await call<LoginResponse>(base, 'POST', '/v1/auth/login', undefined, {
      email: registration.email,
      authKey: registration.authKey,
    });
    const bytes = randomBytes(8 * MiB);
    const { blob } = await call<ReserveBlobResponse>(base, 'POST', '/v1/blobs', accessToken, {
      size: bytes.length,
    });
    const uploadedBytes = async (url: string) => {
      const { upload } = await call<UploadTargetResponse>(
        url,
        'POST',
        `/v1/blobs/${blob.id}/upload`,
        accessToken,
      );
      return upload.kind === 'server' ? upload.uploadedBytes : Number.NaN;
    };

    // Half the body goes out; once the server holds some of it, the server process is killed.
    const upload = httpRequest(`${base}/v1/blobs/${blob.id}/content`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Length': String(bytes.length) },
    });
    upload.on('error', () => undefined);
    upload.write(bytes.subarray(0, 4 * MiB));
    await vi.waitFor(async () => expect(await uploadedBytes(base)).toBeGreaterThan(0), { timeout: 20_000 });
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    upload.destroy();

    const second = startServer();
    const again = await second.url;
    try {
      const commit = await fetch(`${again}/v1/blobs/${blob.id}/commit`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(commit.status).toBe(409);
      const from = await uploadedBytes(again);
      expect(from).toBeGreaterThan(0);
      expect(from).toBeLessThanOrEqual(4 * MiB);

      const rest = await fetch(`${again}/v1/blobs/${blob.id}/content`, {
        method: 'PUT',
        headers: {
          Authorization: `Bearer ${accessToken}`,
          'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}`,
        },
        body: bytes.subarray(from),
      });
      expect(rest.status).toBe(204);
      await call(again, 'POST', `/v1/blobs/${blob.id}/commit`, accessToken, {});
      const downloaded = await fetch(`${again}/v1/blobs/${blob.id}/content`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      const stopped = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await stopped;
    }
  });
});
