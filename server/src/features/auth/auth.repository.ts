/**
 * @module SQL for accounts: users, vaults, sessions and their tokens. Each function takes `db | trx` first.
 * Tokens are looked up by their SHA-256 only.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema';
import type { LockoutPolicy } from './login-throttle';

type Db = Kysely<Database> | Transaction<Database>;

export interface LoginCandidate {
  readonly id: string;
  readonly authKeyHash: string;
  readonly blocked: boolean;
}

export async function findLoginCandidate(db: Db, email: string): Promise<LoginCandidate | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'auth_key_hash', 'blocked'])
    .where('email', '=', email)
    .executeTakeFirst();
  return row && { id: row.id, authKeyHash: row.auth_key_hash, blocked: row.blocked };
}

export async function findPreloginVault(
  db: Db,
  email: string,
): Promise<{ readonly kdfParams: unknown; readonly salt: Buffer } | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('vaults', 'vaults.user_id', 'users.id')
    .select(['vaults.kdf_params', 'vaults.salt'])
    .where('users.email', '=', email)
    .executeTakeFirst();
  return row && { kdfParams: row.kdf_params, salt: row.salt };
}

export interface NewAccount {
  readonly email: string;
  readonly authKeyHash: string;
  readonly wrappedKey: Buffer;
  readonly salt: Buffer;
  readonly kdfParams: unknown;
  readonly recoveryWrappedKey: Buffer;
  readonly wrappedIdentityKeys: Buffer;
  readonly identityBundle: unknown;
  readonly deviceFingerprint: string | null;
}

/** Creates the user and their vault; undefined when the e-mail address is taken. */
export async function insertAccount(
  trx: Transaction<Database>,
  account: NewAccount,
): Promise<string | undefined> {
  const user = await trx
    .insertInto('users')
    .values({ email: account.email, auth_key_hash: account.authKeyHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!user) return undefined;
  await trx
    .insertInto('vaults')
    .values({
      user_id: user.id,
      wrapped_key: account.wrappedKey,
      salt: account.salt,
      kdf_params: JSON.stringify(account.kdfParams),
      recovery_wrapped_key: account.recoveryWrappedKey,
      wrapped_identity_keys: account.wrappedIdentityKeys,
      identity_bundle: JSON.stringify(account.identityBundle),
      device_fingerprint: account.deviceFingerprint,
    })
    .execute();
  return user.id;
}

export async function findVault(db: Db, userId: string) {
  return db
    .selectFrom('vaults')
    .select([
      'kdf_params',
      'salt',
      'wrapped_key',
      'recovery_wrapped_key',
      'wrapped_identity_keys',
      'identity_bundle',
    ])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
}

/**
 * [Note: Login attempts are counted before the hash is checked]: one UPDATE counts the attempt as a failure and,
 * if it reaches the limit, sets the lock before the slow hash runs; a success undoes both. So parallel guesses
 * cannot slip past a lock that a slower request has not written yet. Returns false when the account is locked.
 */
export async function beginLoginAttempt(
  db: Db,
  userId: string,
  now: Date,
  policy: LockoutPolicy,
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    UPDATE users SET
      failed_login_attempts = failed_login_attempts + 1,
      locked_until = CASE
        WHEN failed_login_attempts + 1 >= ${policy.loginMaxFailures}
        THEN ${now}::timestamptz + make_interval(secs => least(
          ${policy.loginLockoutBaseMs}::float8 * power(2, least(failed_login_attempts + 1 - ${policy.loginMaxFailures}, 30)),
          ${policy.loginLockoutMaxMs}::float8) / 1000)
        ELSE locked_until
      END
    WHERE id = ${userId} AND (locked_until IS NULL OR locked_until <= ${now})
    RETURNING id`.execute(db);
  return rows.length === 1;
}

export async function findLockedUntil(db: Db, userId: string): Promise<Date | null> {
  const row = await db.selectFrom('users').select('locked_until').where('id', '=', userId).executeTakeFirst();
  return row?.locked_until ?? null;
}

export async function recordLoginSuccess(
  db: Db,
  userId: string,
  now: Date,
  newAuthKeyHash: string | undefined,
): Promise<void> {
  await db
    .updateTable('users')
    .set({
      failed_login_attempts: 0,
      locked_until: null,
      last_login_at: now,
      ...(newAuthKeyHash ? { auth_key_hash: newAuthKeyHash, updated_at: now } : {}),
    })
    .where('id', '=', userId)
    .execute();
}

export interface NewSession {
  readonly userId: string;
  readonly deviceName: string | null;
  readonly deviceFingerprint: string | null;
  readonly ipAddress: string | null;
  readonly userAgent: string | null;
  readonly expiresAt: Date;
}

export async function insertSession(db: Db, session: NewSession): Promise<string> {
  const row = await db
    .insertInto('sessions')
    .values({
      user_id: session.userId,
      device_name: session.deviceName,
      device_fingerprint: session.deviceFingerprint,
      ip_address: session.ipAddress,
      user_agent: session.userAgent,
      expires_at: session.expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface TokenRow {
  readonly tokenHash: Buffer;
  readonly sessionId: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export async function insertAccessToken(db: Db, token: TokenRow): Promise<void> {
  await db
    .insertInto('access_tokens')
    .values({
      token_hash: token.tokenHash,
      session_id: token.sessionId,
      user_id: token.userId,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
    })
    .execute();
}

export async function insertRefreshToken(db: Db, token: TokenRow): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: token.tokenHash,
      session_id: token.sessionId,
      user_id: token.userId,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
    })
    .execute();
}

export async function extendSession(db: Db, sessionId: string, now: Date, expiresAt: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now, expires_at: expiresAt })
    .where('id', '=', sessionId)
    .execute();
}

export interface AccessTokenRecord {
  readonly userId: string;
  readonly sessionId: string;
  readonly expiresAt: Date;
  readonly sessionRevoked: boolean;
}

/** The hot path of every authenticated request: one primary-key lookup joined to its session. */
export async function findAccessToken(db: Db, tokenHash: Buffer): Promise<AccessTokenRecord | undefined> {
  const row = await db
    .selectFrom('access_tokens')
    .innerJoin('sessions', 'sessions.id', 'access_tokens.session_id')
    .select([
      'access_tokens.user_id',
      'access_tokens.session_id',
      'access_tokens.expires_at',
      'sessions.revoked_at',
    ])
    .where('access_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    row && {
      userId: row.user_id,
      sessionId: row.session_id,
      expiresAt: row.expires_at,
      sessionRevoked: row.revoked_at !== null,
    }
  );
}

export interface RefreshTokenRecord {
  readonly sessionId: string;
  readonly userId: string;
  readonly expiresAt: Date;
  readonly rotated: boolean;
  readonly revoked: boolean;
  readonly sessionRevoked: boolean;
}

export async function findRefreshToken(db: Db, tokenHash: Buffer): Promise<RefreshTokenRecord | undefined> {
  const row = await db
    .selectFrom('refresh_tokens')
    .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
    .select([
      'refresh_tokens.session_id',
      'refresh_tokens.user_id',
      'refresh_tokens.expires_at',
      'refresh_tokens.rotated_at',
      'refresh_tokens.revoked',
      'sessions.revoked_at',
    ])
    .where('refresh_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    row && {
      sessionId: row.session_id,
      userId: row.user_id,
      expiresAt: row.expires_at,
      rotated: row.rotated_at !== null,
      revoked: row.revoked,
      sessionRevoked: row.revoked_at !== null,
    }
  );
}

/**
 * Marks a refresh token as exchanged, only if it still was not: of two concurrent refreshes with one token,
 * exactly one wins; the loser sees `false` and is treated as a reuse.
 */
export async function markRefreshTokenRotated(db: Db, tokenHash: Buffer, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ rotated_at: now })
    .where('token_hash', '=', tokenHash)
    .where('rotated_at', 'is', null)
    .where('revoked', '=', false)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Ends a session: its access tokens are deleted (refused at once) and its refresh tokens revoked. */
export async function revokeSession(
  trx: Transaction<Database>,
  sessionId: string,
  reason: string,
  now: Date,
): Promise<void> {
  await trx
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
  await trx.deleteFrom('access_tokens').where('session_id', '=', sessionId).execute();
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked: true, revoked_at: now })
    .where('session_id', '=', sessionId)
    .where('revoked', '=', false)
    .execute();
}
