/**
 * @module [Note: Keeping PGlite small]: PGlite runs PostgreSQL in single-user mode, which has no autovacuum and no
 * background checkpointer. Without help, dead row versions pile up (every push rewrites a row, every refresh
 * rotates a token) and the WAL grows towards max_wal_size. database.ts lowers max_wal_size; this job runs VACUUM
 * (reclaims dead rows for reuse, does not lock writers out for long) and CHECKPOINT (lets old WAL be recycled)
 * on an interval. Measured figures are in docs/operations.md.
 */
import { sql } from 'kysely';
import type { DatabaseHandle } from './database';

export interface MaintenanceJob {
  /** Runs one pass now (also what the timer calls). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

export function startPGliteMaintenance(
  database: DatabaseHandle,
  intervalMs: number,
  onError: (error: unknown) => void,
): MaintenanceJob {
  let running: Promise<void> | undefined;
  const runOnce = async (): Promise<void> => {
    if (database.dialect !== 'pglite') return;
    // Two statements, two queries: VACUUM refuses to run inside the implicit transaction of a multi-statement query.
    await sql`VACUUM`.execute(database.db);
    await sql`CHECKPOINT`.execute(database.db);
  };
  const timer =
    database.dialect === 'pglite' && intervalMs > 0
      ? setInterval(() => {
          if (running) return;
          running = runOnce()
            .catch(onError)
            .finally(() => {
              running = undefined;
            });
        }, intervalMs)
      : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
