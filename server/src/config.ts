/**
 * @module Configuration: the environment, validated once at start-up, with safe defaults for the embedded mode
 * (PGlite and blobs under ./data, loopback only). Everything tunable lives here so tests can build a Config.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root: relative paths in the environment are resolved against it, whatever the cwd. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MIGRATIONS_DIR = resolve(REPO_ROOT, 'migrations');

const MiB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  PORT: int(8787).pipe(z.number().max(65_535)),
  HOST: z.string().min(1).default('127.0.0.1'),
  HALYON_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: int(20).pipe(z.number().min(1)),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Trust X-Forwarded-For / X-Forwarded-Proto (only behind a reverse proxy you control). */
  TRUST_PROXY: flag(false),
  SHUTDOWN_GRACE_MS: int(10_000),
  ACCESS_TOKEN_TTL_MS: int(15 * 60 * 1000),
  REFRESH_TOKEN_TTL_MS: int(30 * DAY_MS),
  /** scrypt cost for stored auth-key hashes: N = 2^SCRYPT_LOG_N. See: [Note: Auth-key hashing]. */
  SCRYPT_LOG_N: int(15).pipe(z.number().min(10).max(20)),
  SCRYPT_R: int(8).pipe(z.number().min(1).max(32)),
  SCRYPT_P: int(1).pipe(z.number().min(1).max(16)),
  LOGIN_MAX_FAILURES: int(5).pipe(z.number().min(1)),
  LOGIN_LOCKOUT_BASE_MS: int(1_000),
  LOGIN_LOCKOUT_MAX_MS: int(15 * 60 * 1000),
  LOGIN_IP_MAX_FAILURES: int(50).pipe(z.number().min(1)),
  LOGIN_IP_WINDOW_MS: int(15 * 60 * 1000),
  RATE_LIMIT_BURST: int(1_000).pipe(z.number().min(1)),
  RATE_LIMIT_PER_SECOND: int(200).pipe(z.number().min(1)),
  /** Per client address on prelogin, register and login (each costs a slow hash or an account lookup). */
  AUTH_RATE_LIMIT_BURST: int(30).pipe(z.number().min(1)),
  AUTH_RATE_LIMIT_PER_SECOND: int(1).pipe(z.number().min(1)),
  SYNC_MAX_RECORD_BYTES: int(256 * 1024),
  SYNC_MAX_OPS_PER_PUSH: int(1_000),
  SYNC_MAX_BODY_BYTES: int(32 * MiB),
  SYNC_PULL_DEFAULT_LIMIT: int(500),
  SYNC_PULL_MAX_LIMIT: int(5_000),
  SYNC_PULL_DEFAULT_BYTES: int(4 * MiB),
  SYNC_PULL_MAX_BYTES: int(16 * MiB),
  SYNC_RECONCILE_MAX_KNOWN: int(1_000),
  SYNC_TOMBSTONE_RETENTION_MS: int(90 * DAY_MS),
  SYNC_APPLIED_OPS_RETENTION_MS: int(90 * DAY_MS),
  /** Embedded mode only: VACUUM + CHECKPOINT PGlite after this much WAL. See: [Note: Keeping PGlite small]. */
  PGLITE_MAINTENANCE_WAL_BYTES: int(32 * MiB).pipe(z.number().min(1)),
  PGLITE_MAINTENANCE_CHECK_MS: int(2_000).pipe(z.number().min(100)),
});

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface ScryptParams {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

export interface SyncConfig {
  readonly maxRecordBytes: number;
  readonly maxOpsPerPush: number;
  readonly maxBodyBytes: number;
  readonly pullDefaultLimit: number;
  readonly pullMaxLimit: number;
  readonly pullDefaultBytes: number;
  readonly pullMaxBytes: number;
  readonly reconcileMaxKnown: number;
  readonly tombstoneRetentionMs: number;
  readonly appliedOpsRetentionMs: number;
}

export interface AuthConfig {
  readonly accessTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
  readonly scrypt: ScryptParams;
  /** Failures before an account is locked; each further failure doubles the lock, from base to max. */
  readonly loginMaxFailures: number;
  readonly loginLockoutBaseMs: number;
  readonly loginLockoutMaxMs: number;
  /** Failed logins one IP address may make per window, across all accounts. */
  readonly loginIpMaxFailures: number;
  readonly loginIpWindowMs: number;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute. PGlite lives in `${dataDir}/pglite`, blobs in `${dataDir}/blobs`. */
  readonly dataDir: string;
  /** When set, PostgreSQL through pg; otherwise embedded PGlite. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly logLevel: LogLevel;
  readonly trustProxy: boolean;
  readonly shutdownGraceMs: number;
  readonly auth: AuthConfig;
  /** Per access token: a bucket of `burst` requests refilled at `perSecond`. */
  readonly rateLimit: { readonly burst: number; readonly perSecond: number };
  /** Per client address, on the unauthenticated account endpoints. */
  readonly authRateLimit: { readonly burst: number; readonly perSecond: number };
  readonly sync: SyncConfig;
  readonly pgliteMaintenance: { readonly walBytesThreshold: number; readonly checkIntervalMs: number };
}

/** Builds the Config from an environment; throws with every problem listed (a bad config is an outage). */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: isAbsolute(e.HALYON_DATA_DIR) ? e.HALYON_DATA_DIR : resolve(REPO_ROOT, e.HALYON_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    auth: {
      accessTokenTtlMs: e.ACCESS_TOKEN_TTL_MS,
      refreshTokenTtlMs: e.REFRESH_TOKEN_TTL_MS,
      scrypt: { logN: e.SCRYPT_LOG_N, r: e.SCRYPT_R, p: e.SCRYPT_P },
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginLockoutBaseMs: e.LOGIN_LOCKOUT_BASE_MS,
      loginLockoutMaxMs: e.LOGIN_LOCKOUT_MAX_MS,
      loginIpMaxFailures: e.LOGIN_IP_MAX_FAILURES,
      loginIpWindowMs: e.LOGIN_IP_WINDOW_MS,
    },
    rateLimit: { burst: e.RATE_LIMIT_BURST, perSecond: e.RATE_LIMIT_PER_SECOND },
    authRateLimit: { burst: e.AUTH_RATE_LIMIT_BURST, perSecond: e.AUTH_RATE_LIMIT_PER_SECOND },
    sync: {
      maxRecordBytes: e.SYNC_MAX_RECORD_BYTES,
      maxOpsPerPush: e.SYNC_MAX_OPS_PER_PUSH,
      maxBodyBytes: e.SYNC_MAX_BODY_BYTES,
      pullDefaultLimit: e.SYNC_PULL_DEFAULT_LIMIT,
      pullMaxLimit: e.SYNC_PULL_MAX_LIMIT,
      pullDefaultBytes: e.SYNC_PULL_DEFAULT_BYTES,
      pullMaxBytes: e.SYNC_PULL_MAX_BYTES,
      reconcileMaxKnown: e.SYNC_RECONCILE_MAX_KNOWN,
      tombstoneRetentionMs: e.SYNC_TOMBSTONE_RETENTION_MS,
      appliedOpsRetentionMs: e.SYNC_APPLIED_OPS_RETENTION_MS,
    },
    pgliteMaintenance: {
      walBytesThreshold: e.PGLITE_MAINTENANCE_WAL_BYTES,
      checkIntervalMs: e.PGLITE_MAINTENANCE_CHECK_MS,
    },
  };
}
