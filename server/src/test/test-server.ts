/**
 * @module The app in-process on a fresh migrated database, for one test FILE (PGlite boots in seconds: share it
 * across the file's tests). Requests go through app.request() unless a test needs a socket (listenOnFreePort).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoginResponse, RegisterRequest } from '@halyon/protocol';
import type { Hono } from 'hono';
import { createApp } from '../app';
import { type Config, configFromEnv } from '../config';
import { ensureServerMeta } from '../db/server-meta';
import { type AppDeps, type Clock, createLifecycle } from '../deps';
import { createBlobStores } from '../features/blobs/blob-stores';
import { blobsConfigFromEnv } from '../features/blobs/blobs.config';
import { createPokeHub } from '../features/sync/poke-hub';
import type { AppEnv } from '../http/app-env';
import { type RunningServer, startHttpServer } from '../http/serve';
import { createLogger } from '../middleware/logger';
import { openTestDatabase } from './test-database';

/** Real time plus an offset the test moves forward (token expiry, lock-outs, retention). */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function createTestClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance: (ms) => {
      offsetMs += ms;
    },
  };
}

/**
 * Config for tests: silent logs, a cheaper but real scrypt (N = 2^10), and no per-address limit on the account
 * endpoints (every in-process request comes from the same "address"). Override any environment variable.
 */
export function testConfig(env: Readonly<Record<string, string>> = {}): Config {
  return configFromEnv({
    LOG_LEVEL: 'silent',
    SCRYPT_LOG_N: '10',
    HALYON_DATA_DIR: '/nonexistent',
    AUTH_RATE_LIMIT_BURST: '1000000',
    ...env,
  });
}

export interface TestResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON (problem+json included), or undefined for an empty body. */
  readonly body: T;
}

export interface TestServer {
  readonly app: Hono<AppEnv>;
  readonly deps: AppDeps;
  readonly clock: TestClock;
  /** A raw request through app.request(). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request; `token` becomes the Bearer header, `headers` are added (a client address, say). */
  json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<TestResponse<T>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Environment overrides for testConfig(). */
  readonly env?: Readonly<Record<string, string>>;
  /** Called with the deps before the app is built, to add what a feature needs (e.g. pokes). */
  readonly extendDeps?: (deps: AppDeps) => AppDeps;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = testConfig(options.env);
  const database = await openTestDatabase();
  const meta = await ensureServerMeta(database.db);
  const clock = createTestClock();
  const pokes = createPokeHub({ listen: database.listen });
  await pokes.start();
  // Blobs go to a temporary directory (the filesystem store) unless a test swaps `blobs` through extendDeps.
  const blobsDir = mkdtempSync(join(tmpdir(), 'halyon-test-blobs-'));
  const blobsConfig = blobsConfigFromEnv(options.env ?? {}, blobsDir);
  const baseDeps: AppDeps = {
    db: database.db,
    database,
    config,
    clock,
    logger: createLogger({ level: config.logLevel }),
    meta,
    lifecycle: createLifecycle(),
    pokes,
    blobs: { db: database.db, now: clock.now, config: blobsConfig, stores: createBlobStores(blobsConfig) },
  };
  const deps = options.extendDeps ? options.extendDeps(baseDeps) : baseDeps;
  const app = createApp(deps);

  const request = async (path: string, init?: RequestInit) => app.request(path, init);
  return {
    app,
    deps,
    clock,
    request,
    async json<T>(
      method: string,
      path: string,
      body?: unknown,
      token?: string,
      extraHeaders: Record<string, string> = {},
    ): Promise<TestResponse<T>> {
      const headers: Record<string, string> = { ...extraHeaders };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (token) headers.Authorization = `Bearer ${token}`;
      const response = await request(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: (text ? JSON.parse(text) : undefined) as T,
      };
    },
    async close() {
      await pokes.stop();
      deps.blobs.stores.close();
      await database.close();
      rmSync(blobsDir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  readonly userId: string;
  readonly sessionId: string;
  readonly email: string;
  /** base64 of the 32-byte auth key, for logging in again. */
  readonly authKey: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

/** A registration body with random (opaque to the server) key material. */
export function newRegisterRequest(email = `user-${randomUUID()}@example.test`): RegisterRequest {
  return {
    email,
    authKey: b64(32),
    vault: {
      kdfParams: { algorithm: 'argon2id', memoryKiB: 131_072, iterations: 3, parallelism: 1 },
      salt: b64(16),
      wrappedMasterKey: b64(72),
      recoveryWrappedMasterKey: b64(72),
      wrappedIdentityKeys: b64(160),
    },
    identity: { version: 1, encryptionPublicKey: b64(32), signingPublicKey: b64(32), signature: b64(64) },
  };
}

/** Registers and logs in a fresh user through the real endpoints. */
export async function registerTestUser(server: TestServer, email?: string): Promise<TestUser> {
  const registration = newRegisterRequest(email);
  const registered = await server.json('POST', '/v1/auth/register', registration);
  if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
  const login = await server.json<LoginResponse>('POST', '/v1/auth/login', {
    email: registration.email,
    authKey: registration.authKey,
  });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  return {
    userId: login.body.userId,
    sessionId: login.body.sessionId,
    email: registration.email,
    authKey: registration.authKey,
    accessToken: login.body.accessToken,
    refreshToken: login.body.refreshToken,
  };
}

/** Serves the app on 127.0.0.1 on a free port, for tests that need a socket (SSE, several processes). */
export function listenOnFreePort(app: Hono<AppEnv>): Promise<RunningServer> {
  return startHttpServer(app, { host: '127.0.0.1', port: 0 });
}
