/**
 * @module [Note: Keeping PGlite small]: PGlite runs PostgreSQL in single-user mode, which has no autovacuum and no
 * checkpointer, and (measured here) never checkpoints on its own while running, whatever max_wal_size says. Left
 * alone, rewriting 50 MB of live 1 KiB records five times grew the data directory to 683 MB and on linearly (WAL
 * 369 MB, table + TOAST 292 MB of mostly dead rows). This job watches how much WAL has been written; past a
 * threshold it runs VACUUM (dead rows become reusable space) and CHECKPOINT (old WAL segments are recycled, down
 * to max_wal_size, which database.ts lowers to 64 MB). With a 32 MiB threshold, checked every 2 s, the same load
 * stays at 172 MB (WAL 65 MB, table 85 MB); a pass takes 0.17 s on average (0.5 s at most), queries wait meanwhile.
 * Figures and method: docs/operations.md.
 */
import { sql } from 'kysely';
import type { DatabaseHandle } from './database';

export interface MaintenanceOptions {
  /** How often to look at the WAL position. */
  readonly checkIntervalMs: number;
  /** Run a pass once this many bytes of WAL were written since the last one. */
  readonly walBytesThreshold: number;
}

export interface MaintenanceJob {
  /** Checks now, and runs a pass if enough WAL was written; resolves to whether it ran one. */
  runIfDue(): Promise<boolean>;
  stop(): Promise<void>;
}

export function startPGliteMaintenance(
  database: DatabaseHandle,
  options: MaintenanceOptions,
  onError: (error: unknown) => void,
): MaintenanceJob {
  if (database.dialect !== 'pglite') return { runIfDue: async () => false, stop: async () => {} };
  const db = database.db;
  let lastPassLsn: string | undefined;
  let running: Promise<boolean> | undefined;

  const currentLsn = async () =>
    (await sql<{ lsn: string }>`SELECT pg_current_wal_lsn()::text AS lsn`.execute(db)).rows[0]!.lsn;

  const check = async (): Promise<boolean> => {
    const lsn = await currentLsn();
    if (lastPassLsn === undefined) lastPassLsn = '0/0';
    const { rows } = await sql<{ bytes: number }>`
      SELECT pg_wal_lsn_diff(${lsn}::pg_lsn, ${lastPassLsn}::pg_lsn)::int8 AS bytes`.execute(db);
    if ((rows[0]?.bytes ?? 0) < options.walBytesThreshold) return false;
    // Two statements, two queries: VACUUM refuses to run inside a multi-statement query's implicit transaction.
    await sql`VACUUM`.execute(db);
    await sql`CHECKPOINT`.execute(db);
    lastPassLsn = await currentLsn();
    return true;
  };

  const runIfDue = (): Promise<boolean> => {
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    runIfDue().catch(onError);
  }, options.checkIntervalMs);
  timer.unref();

  return {
    runIfDue,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => false);
    },
  };
}
