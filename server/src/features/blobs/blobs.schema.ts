/**
 * @module The kysely view of migrations/0002_blobs.up.sql. The blobs feature owns these tables, so their types
 * live here and are added to the app's Database with `withBlobTables(db)` (kysely's `withTables`).
 */
import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Int8 = ColumnType<number, number, number>;

export type StorageConfigsTable = {
  id: ColumnType<string, string | undefined, never>;
  user_id: string;
  endpoint: string | null;
  region: string;
  bucket: string;
  force_path_style: boolean;
  key_prefix: string;
  credentials_encrypted: Buffer;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  verified_at: Timestamp;
  created_at: Timestamp;
};

export type BlobQuotasTable = {
  user_id: string;
  quota_bytes: ColumnType<number | null, number | null | undefined, number | null>;
  used_bytes: ColumnType<number, number | undefined, number>;
};

export type BlobStateColumn = 'reserved' | 'committed';

export type BlobsTable = {
  id: string;
  owner_id: string;
  size: Int8;
  state: ColumnType<BlobStateColumn, BlobStateColumn | undefined, BlobStateColumn>;
  storage_config_id: string | null;
  storage_key: string;
  multipart_upload_id: string | null;
  created_at: Timestamp;
  committed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  unreferenced_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
};

export type BlobTables = {
  storage_configs: StorageConfigsTable;
  blob_quotas: BlobQuotasTable;
  blobs: BlobsTable;
};

export type BlobsDatabase = Database & BlobTables;
export type Db = Kysely<Database> | Transaction<Database>;
export type BlobsDb = Kysely<BlobsDatabase> | Transaction<BlobsDatabase>;

/** The same connection (or transaction), typed with the blob tables too. */
export function withBlobTables(db: Kysely<Database>): Kysely<BlobsDatabase>;
export function withBlobTables(db: Transaction<Database>): Transaction<BlobsDatabase>;
export function withBlobTables(db: Db): BlobsDb;
export function withBlobTables(db: Db): BlobsDb {
  return db.withTables<BlobTables>();
}
