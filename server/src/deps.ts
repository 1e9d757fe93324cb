/**
 * @module What the app is built from. main.ts makes the real ones; tests make their own (PGlite, a manual clock,
 * a silent logger). Handlers and services receive these, never reach for globals.
 */
import type { Kysely } from 'kysely';
import type { Config } from './config';
import type { DatabaseHandle } from './db/database';
import type { Database } from './db/schema';
import type { ServerMeta } from './db/server-meta';
import type { BlobsDeps } from './features/blobs/blobs.service';
import type { PokeHub } from './features/sync/poke-hub';
import type { Logger } from './middleware/logger';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Whether the process is draining: readiness fails so load balancers stop sending traffic. */
export interface Lifecycle {
  isShuttingDown(): boolean;
  beginShutdown(): void;
}

export function createLifecycle(): Lifecycle {
  let shuttingDown = false;
  return {
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}

export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly database: DatabaseHandle;
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly meta: ServerMeta;
  readonly lifecycle: Lifecycle;
  /** Live sync pokes: LISTENs once, fans out to this process's event streams. */
  readonly pokes: PokeHub;
  /** Blob stores, blob settings and the database the blobs feature uses. */
  readonly blobs: BlobsDeps;
}
