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
  readonly recoveryAuthKeyHash: string | null;
  readonly blocked: boolean;
}

const candidateColumns = ['id', 'auth_key_hash', 'recovery_auth_key_hash', 'blocked'] as const;
const toCandidate = (row: {
  id: string;
  auth_key_hash: string;
  recovery_auth_key_hash: string | null;
  blocked: boolean;
}): LoginCandidate => ({
  id: row.id,
  authKeyHash: row.auth_key_hash,
  recoveryAuthKeyHash: row.recovery_auth_key_hash,
  blocked: row.blocked,
});

export async function findLoginCandidate(db: Db, email: string): Promise<LoginCandidate | undefined> {
  const row = await db
    .selectFrom('users')
    .select(candidateColumns)
    .where('email', '=', email)
    .executeTakeFirst();
  return row && toCandidate(row);
}

export async function findAccountById(db: Db, userId: string): Promise<LoginCandidate> {
  return toCandidate(
    await db.selectFrom('users').select(candidateColumns).where('id', '=', userId).executeTakeFirstOrThrow(),
  );
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
  readonly recoveryAuthKeyHash: string | null;
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
    .values({
      email: account.email,
      auth_key_hash: account.authKeyHash,
      recovery_auth_key_hash: account.recoveryAuthKeyHash,
    })
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

/** Undoes the failure that beginLoginAttempt counted, for a secret proved outside a login (no login time). */
export async function clearFailedAttempts(db: Db, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ failed_login_attempts: 0, locked_until: null })
    .where('id', '=', userId)
    .execute();
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

/**
 * Ends every live session of a user but `keepSessionId` (if given), as revokeSession does for one: after a
 * password change or a recovery, whoever held the old password's sessions is signed out.
 */
export async function revokeSessionsOfUser(
  trx: Transaction<Database>,
  userId: string,
  keepSessionId: string | null,
  reason: string,
  now: Date,
): Promise<void> {
  const ending = await trx
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .$if(keepSessionId !== null, (q) => q.where('id', '!=', keepSessionId!))
    .returning('id')
    .execute();
  const ids = ending.map((s) => s.id);
  if (ids.length === 0) return;
  await trx.deleteFrom('access_tokens').where('session_id', 'in', ids).execute();
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked: true, revoked_at: now })
    .where('session_id', 'in', ids)
    .where('revoked', '=', false)
    .execute();
}

export interface SessionRow {
  readonly id: string;
  readonly deviceName: string | null;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
}

/** The user's live sessions (not revoked, not expired), most recently used first. */
export async function listLiveSessions(db: Db, userId: string, now: Date): Promise<SessionRow[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'device_name', 'created_at', 'last_seen_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    deviceName: r.device_name,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
  }));
}

export async function isSessionOfUser(db: Db, sessionId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Sets a new password's auth-key hash and vault wrap, only if the hash is still the one the caller checked the
 * current password against: of two concurrent changes proved with the same password, one wins. False otherwise.
 */
export async function replacePassword(
  trx: Transaction<Database>,
  change: {
    readonly userId: string;
    readonly expectedAuthKeyHash: string | null;
    readonly authKeyHash: string;
    readonly wrappedKey: Buffer;
    readonly salt: Buffer;
    readonly kdfParams: unknown;
    readonly now: Date;
  },
): Promise<boolean> {
  const user = await trx
    .updateTable('users')
    .set({
      auth_key_hash: change.authKeyHash,
      password_changed_at: change.now,
      failed_login_attempts: 0,
      locked_until: null,
      updated_at: change.now,
    })
    .where('id', '=', change.userId)
    .$if(change.expectedAuthKeyHash !== null, (q) =>
      q.where('auth_key_hash', '=', change.expectedAuthKeyHash!),
    )
    .executeTakeFirst();
  if (user.numUpdatedRows !== 1n) return false;
  await trx
    .updateTable('vaults')
    .set({
      wrapped_key: change.wrappedKey,
      salt: change.salt,
      kdf_params: JSON.stringify(change.kdfParams),
      updated_at: change.now,
    })
    .where('user_id', '=', change.userId)
    .execute();
  return true;
}

export async function replaceRecoveryKey(
  trx: Transaction<Database>,
  change: {
    readonly userId: string;
    readonly expectedAuthKeyHash: string;
    readonly recoveryAuthKeyHash: string;
    readonly recoveryWrappedKey: Buffer;
    readonly now: Date;
  },
): Promise<boolean> {
  const user = await trx
    .updateTable('users')
    .set({ recovery_auth_key_hash: change.recoveryAuthKeyHash, updated_at: change.now })
    .where('id', '=', change.userId)
    .where('auth_key_hash', '=', change.expectedAuthKeyHash)
    .executeTakeFirst();
  if (user.numUpdatedRows !== 1n) return false;
  await trx
    .updateTable('vaults')
    .set({ recovery_wrapped_key: change.recoveryWrappedKey, updated_at: change.now })
    .where('user_id', '=', change.userId)
    .execute();
  // A token proved with the old recovery key must not outlive it.
  await trx.deleteFrom('recovery_tokens').where('user_id', '=', change.userId).execute();
  return true;
}

export async function insertRecoveryToken(
  db: Db,
  token: { readonly tokenHash: Buffer; readonly userId: string; readonly expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('recovery_tokens')
    .values({ token_hash: token.tokenHash, user_id: token.userId, expires_at: token.expiresAt })
    .execute();
}

/**
 * Uses a recovery token up, if it is unused and unexpired, and every other token of its user with it; one UPDATE,
 * so of two concurrent uses exactly one wins. Returns the user id, or undefined.
 */
export async function consumeRecoveryToken(
  trx: Transaction<Database>,
  tokenHash: Buffer,
  now: Date,
): Promise<string | undefined> {
  const row = await trx
    .updateTable('recovery_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  if (!row) return undefined;
  await trx
    .updateTable('recovery_tokens')
    .set({ used_at: now })
    .where('user_id', '=', row.user_id)
    .where('used_at', 'is', null)
    .execute();
  return row.user_id;
}
