/**
 * @module Tombstone retention: tombstones older than the retention window are deleted and each collection's
 * purge floor is raised to the highest purged seq, so a client whose cursor is below it gets 410 cursor_expired
 * and reconciles instead of silently missing a deletion. Applied op ids are forgotten after their own window.
 * `purgeExpired` is one run (tests call it with any clock); `startPurgeJob` runs it on an interval.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { collectionsWithExpiredTombstones, pruneAppliedOps, purgeTombstones } from './records.repository';

export interface PurgeSettings {
  readonly tombstoneRetentionMs: number;
  readonly appliedOpsRetentionMs: number;
}

export interface PurgeReport {
  readonly tombstonesPurged: number;
  readonly collections: number;
  readonly appliedOpsPruned: number;
}

export async function purgeExpired(
  db: Kysely<Database>,
  settings: PurgeSettings,
  nowMs: number,
): Promise<PurgeReport> {
  const tombstoneCutoff = nowMs - settings.tombstoneRetentionMs;
  const collectionIds = await collectionsWithExpiredTombstones(db, tombstoneCutoff);
  let tombstonesPurged = 0;
  // One short transaction per collection: a push to it waits at most for that collection's purge.
  for (const collectionId of collectionIds) {
    tombstonesPurged += await db
      .transaction()
      .execute((trx) => purgeTombstones(trx, collectionId, tombstoneCutoff));
  }
  const appliedOpsPruned = await pruneAppliedOps(db, nowMs - settings.appliedOpsRetentionMs);
  return { tombstonesPurged, collections: collectionIds.length, appliedOpsPruned };
}

export interface PurgeJobDeps {
  readonly db: Kysely<Database>;
  readonly settings: PurgeSettings;
  readonly now: () => number;
  readonly intervalMs: number;
  readonly onReport?: (report: PurgeReport) => void;
  readonly onError: (error: unknown) => void;
}

/** Runs purgeExpired every intervalMs, skipping a tick while a run is in flight; stop() waits for that run. */
export function startPurgeJob(deps: PurgeJobDeps): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  const runOnce = async () => {
    try {
      deps.onReport?.(await purgeExpired(deps.db, deps.settings, deps.now()));
    } catch (error) {
      deps.onError(error);
    }
  };
  const timer = setInterval(() => {
    inFlight ??= runOnce().finally(() => {
      inFlight = undefined;
    });
  }, deps.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}

/** Purging is housekeeping: hourly is plenty against a retention window of days. */
export const PURGE_INTERVAL_MS = 60 * 60 * 1000;
