/**
 * @module Deletes what accounts leave behind: expired access tokens (one per login and per refresh), refresh
 * tokens past their expiry (rotated ones are kept until then, so a late reuse is still recognised as reuse), and
 * sessions that ended (revoked or expired) more than a retention period ago, with their tokens, and recovery
 * tokens past their expiry (used or not: neither kind works any more).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { Clock } from '../../deps';

/** Ended sessions stay visible this long (for a future "your devices" list and for support). */
export const ENDED_SESSION_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
export const SESSION_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

export interface SessionCleanupReport {
  readonly accessTokens: number;
  readonly refreshTokens: number;
  readonly sessions: number;
  readonly recoveryTokens: number;
}

export async function cleanUpSessions(db: Kysely<Database>, nowMs: number): Promise<SessionCleanupReport> {
  const now = new Date(nowMs);
  const endedBefore = new Date(nowMs - ENDED_SESSION_RETENTION_MS);
  const sessions = await db
    .deleteFrom('sessions')
    .where((eb) =>
      eb.or([
        eb('revoked_at', '<', endedBefore),
        eb.and([eb('revoked_at', 'is', null), eb('expires_at', '<', endedBefore)]),
      ]),
    )
    .executeTakeFirst();
  const accessTokens = await db.deleteFrom('access_tokens').where('expires_at', '<', now).executeTakeFirst();
  const refreshTokens = await db
    .deleteFrom('refresh_tokens')
    .where('expires_at', '<', now)
    .executeTakeFirst();
  const recoveryTokens = await db
    .deleteFrom('recovery_tokens')
    .where('expires_at', '<', now)
    .executeTakeFirst();
  return {
    recoveryTokens: Number(recoveryTokens.numDeletedRows),
    accessTokens: Number(accessTokens.numDeletedRows),
    refreshTokens: Number(refreshTokens.numDeletedRows),
    sessions: Number(sessions.numDeletedRows),
  };
}

export function startSessionCleanup(options: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly onReport: (report: SessionCleanupReport) => void;
  readonly onError: (error: unknown) => void;
}): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= cleanUpSessions(options.db, options.clock.now())
      .then(options.onReport, options.onError)
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
