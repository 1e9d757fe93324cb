/**
 * @module The kysely view of migrations/*.up.sql: one interface per table, snake_case like the SQL.
 * bytea arrives as Buffer and bigint (int8) as number on both drivers (see database.ts), so repositories never
 * meet Uint8Array or BigInt. Keep this file in step with every migration; db/schema.test.ts compares them.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A timestamptz column the database fills in by default. */
type CreatedAt = ColumnType<Date, Date | undefined, Date>;
/** An int8 column: read as number (see [Note: int8 as number]), written as number. */
type Int8 = ColumnType<number, number, number>;
type Int8Default = ColumnType<number, number | undefined, number>;
/** jsonb is written as a JSON string or a value pg serialises; read back parsed. */
type Jsonb<T> = ColumnType<T, string, string>;

export interface ServerMetaTable {
  singleton: ColumnType<boolean, boolean | undefined, never>;
  epoch: string;
  prelogin_secret: Buffer;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  auth_key_hash: string;
  /** Slow hash of the auth key derived from the recovery key (migrations/0003); NULL if none was sent. */
  recovery_auth_key_hash: ColumnType<string | null, string | null | undefined, string | null>;
  email_verified: Generated<boolean>;
  email_verified_at: Date | null;
  mfa_enabled: Generated<boolean>;
  mfa_secret_encrypted: Buffer | null;
  failed_login_attempts: Generated<number>;
  locked_until: Date | null;
  last_login_at: Date | null;
  password_changed_at: CreatedAt;
  blocked: Generated<boolean>;
  membership_seq: Int8Default;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface VaultsTable {
  id: Generated<string>;
  user_id: string;
  wrapped_key: Buffer;
  salt: Buffer;
  kdf_params: Jsonb<unknown>;
  recovery_wrapped_key: Buffer;
  wrapped_identity_keys: Buffer;
  identity_bundle: Jsonb<unknown>;
  enabled_at: CreatedAt;
  device_fingerprint: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  device_name: string | null;
  device_fingerprint: string | null;
  ip_address: string | null;
  user_agent: string | null;
  created_at: CreatedAt;
  last_seen_at: CreatedAt;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface AccessTokensTable {
  token_hash: Buffer;
  session_id: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date;
}

export interface RefreshTokensTable {
  token_hash: Buffer;
  session_id: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date;
  rotated_at: Date | null;
  revoked: Generated<boolean>;
  revoked_at: Date | null;
}

export interface RecoveryTokensTable {
  token_hash: Buffer;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date;
  used_at: Date | null;
}

export interface CollectionsTable {
  id: string;
  owner_id: string;
  seq: Int8Default;
  purge_floor_seq: Int8Default;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface MembershipsTable {
  collection_id: string;
  user_id: string;
  role: 'owner' | 'writer' | 'reader';
  key_epoch: number;
  encrypted_key: Buffer;
  seq: Int8;
  removed_at: Date | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface RecordsTable {
  collection_id: string;
  record_id: string;
  version: number;
  deleted: Generated<boolean>;
  ciphertext: Buffer | null;
  size: Generated<number>;
  seq: Int8;
  blob_ids: ColumnType<string[], string[] | undefined, string[]>;
  last_op_id: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  deleted_at: Date | null;
}

export interface AppliedOpsTable {
  collection_id: string;
  op_id: string;
  record_id: string;
  version: number;
  seq: Int8;
  applied_at: CreatedAt;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: CreatedAt;
}

export interface Database {
  server_meta: ServerMetaTable;
  users: UsersTable;
  vaults: VaultsTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  refresh_tokens: RefreshTokensTable;
  recovery_tokens: RecoveryTokensTable;
  collections: CollectionsTable;
  memberships: MembershipsTable;
  records: RecordsTable;
  applied_ops: AppliedOpsTable;
  schema_migrations: SchemaMigrationsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Vault = Selectable<VaultsTable>;
export type Session = Selectable<SessionsTable>;
