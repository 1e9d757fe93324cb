/**
 * @module The blobs feature's settings, from the environment (validated at start-up like config.ts): which store
 * holds blobs by default, quotas, grace periods, presigned URL lifetimes, and the key that encrypts the
 * credentials of users' own buckets. See docs/storage.md for every variable.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { S3StoreOptions } from './stores/s3-store';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const HOUR_MS = 60 * 60 * 1000;

const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  BLOB_STORE: z.enum(['filesystem', 's3']).default('filesystem'),
  BLOB_S3_ENDPOINT: z.url().optional(),
  BLOB_S3_REGION: z.string().min(1).default('us-east-1'),
  BLOB_S3_BUCKET: z.string().min(1).optional(),
  BLOB_S3_FORCE_PATH_STYLE: flag(false),
  BLOB_S3_KEY_PREFIX: z.string().default('blobs/'),
  BLOB_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  BLOB_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  BLOB_PRESIGN_EXPIRY_SECONDS: int(15 * 60).pipe(
    z
      .number()
      .min(10)
      .max(7 * 24 * 3600),
  ),
  BLOB_MULTIPART_THRESHOLD_BYTES: int(32 * MiB).pipe(z.number().min(5 * MiB)),
  BLOB_PART_SIZE_BYTES: int(16 * MiB).pipe(z.number().min(5 * MiB)),
  BLOB_MAX_BYTES: int(16 * GiB).pipe(z.number().min(1)),
  BLOB_DEFAULT_QUOTA_BYTES: int(50 * GiB),
  /** A reservation not committed within this long is dropped, with whatever was uploaded. */
  BLOB_RESERVATION_TTL_MS: int(24 * HOUR_MS).pipe(z.number().min(1)),
  /** A committed blob no live record refers to is deleted this long after the GC first saw it so. */
  BLOB_UNREFERENCED_GRACE_MS: int(7 * 24 * HOUR_MS).pipe(z.number().min(1)),
  BLOB_GC_INTERVAL_MS: int(HOUR_MS).pipe(z.number().min(1000)),
  /** 32 bytes, base64: encrypts users' bucket credentials at rest. Unset: users cannot register their own bucket. */
  BLOB_STORAGE_KEY: z
    .base64()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes of base64')
    .optional(),
  /** Let users register buckets on loopback or private addresses (tests, single-user installs). */
  BLOB_ALLOW_PRIVATE_BUCKET_ENDPOINTS: flag(false),
});

export type DefaultStoreConfig =
  | { readonly kind: 'filesystem'; readonly rootDir: string }
  | ({ readonly kind: 's3' } & S3StoreOptions);

export type BlobsConfig = {
  readonly store: DefaultStoreConfig;
  readonly presignExpirySeconds: number;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly maxBlobBytes: number;
  readonly defaultQuotaBytes: number;
  readonly reservationTtlMs: number;
  readonly unreferencedGraceMs: number;
  readonly gcIntervalMs: number;
  readonly storageKey: Buffer | null;
  readonly allowPrivateBucketEndpoints: boolean;
};

/** Builds the blobs settings; throws with every problem listed (a bad config is an outage). */
export function blobsConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  dataDir: string,
): BlobsConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid blob configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const tuning = {
    presignExpirySeconds: e.BLOB_PRESIGN_EXPIRY_SECONDS,
    multipartThresholdBytes: e.BLOB_MULTIPART_THRESHOLD_BYTES,
    partSizeBytes: e.BLOB_PART_SIZE_BYTES,
  };
  let store: DefaultStoreConfig;
  if (e.BLOB_STORE === 's3') {
    if (!e.BLOB_S3_BUCKET || !e.BLOB_S3_ACCESS_KEY_ID || !e.BLOB_S3_SECRET_ACCESS_KEY) {
      throw new Error(
        'Invalid blob configuration:\n  BLOB_STORE=s3 needs BLOB_S3_BUCKET, BLOB_S3_ACCESS_KEY_ID and BLOB_S3_SECRET_ACCESS_KEY',
      );
    }
    store = {
      kind: 's3',
      ...(e.BLOB_S3_ENDPOINT ? { endpoint: e.BLOB_S3_ENDPOINT } : {}),
      region: e.BLOB_S3_REGION,
      bucket: e.BLOB_S3_BUCKET,
      forcePathStyle: e.BLOB_S3_FORCE_PATH_STYLE,
      keyPrefix: e.BLOB_S3_KEY_PREFIX,
      credentials: { accessKeyId: e.BLOB_S3_ACCESS_KEY_ID, secretAccessKey: e.BLOB_S3_SECRET_ACCESS_KEY },
      ...tuning,
    };
  } else {
    store = { kind: 'filesystem', rootDir: join(dataDir, 'blobs') };
  }
  return {
    store,
    ...tuning,
    maxBlobBytes: e.BLOB_MAX_BYTES,
    defaultQuotaBytes: e.BLOB_DEFAULT_QUOTA_BYTES,
    reservationTtlMs: e.BLOB_RESERVATION_TTL_MS,
    unreferencedGraceMs: e.BLOB_UNREFERENCED_GRACE_MS,
    gcIntervalMs: e.BLOB_GC_INTERVAL_MS,
    storageKey: e.BLOB_STORAGE_KEY ? Buffer.from(e.BLOB_STORAGE_KEY, 'base64') : null,
    allowPrivateBucketEndpoints: e.BLOB_ALLOW_PRIVATE_BUCKET_ENDPOINTS,
  };
}
