/**
 * @module The composition root: environment -> config -> database (migrated) -> app -> HTTP server, and a
 * graceful shutdown on SIGTERM/SIGINT. No logic lives here.
 */
import { mkdirSync } from 'node:fs';
import { createApp } from './app';
import { configFromEnv, MIGRATIONS_DIR } from './config';
import { openDatabase } from './db/database';
import { loadMigrations, migrateUp } from './db/migrator';
import { startPGliteMaintenance } from './db/pglite-maintenance';
import { ensureServerMeta } from './db/server-meta';
import { type AppDeps, createLifecycle, systemClock } from './deps';
import { SESSION_CLEANUP_INTERVAL_MS, startSessionCleanup } from './features/auth/session-cleanup';
import { createBlobStores } from './features/blobs/blob-stores';
import { blobsConfigFromEnv } from './features/blobs/blobs.config';
import { startBlobGc } from './features/blobs/blobs.gc';
import type { BlobsDeps } from './features/blobs/blobs.service';
import { createPokeHub } from './features/sync/poke-hub';
import { PURGE_INTERVAL_MS, startPurgeJob } from './features/sync/purge-job';
import { startHttpServer } from './http/serve';
import { createLogger } from './middleware/logger';

async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const logger = createLogger({ level: config.logLevel });
  if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true });

  const database = await openDatabase(config);
  const applied = await migrateUp(database.db, loadMigrations(MIGRATIONS_DIR));
  for (const m of applied) logger.info('migration applied', { version: m.version, name: m.name });
  const meta = await ensureServerMeta(database.db);
  const maintenance = startPGliteMaintenance(database, config.pgliteMaintenance, (error) =>
    logger.warn('pglite maintenance failed', { error }),
  );

  const stopSessionCleanup = startSessionCleanup({
    db: database.db,
    clock: systemClock,
    intervalMs: SESSION_CLEANUP_INTERVAL_MS,
    onReport: (report) => logger.info('session cleanup', { ...report }),
    onError: (error) => logger.warn('session cleanup failed', { error }),
  });

  const pokes = createPokeHub({
    listen: database.listen,
    onBadPayload: (payload) => logger.warn('unreadable sync notification', { bytes: payload.length }),
  });
  await pokes.start();
  const stopPurge = startPurgeJob({
    db: database.db,
    settings: config.sync,
    now: systemClock.now,
    intervalMs: PURGE_INTERVAL_MS,
    onReport: (report) => logger.info('sync purge', { ...report }),
    onError: (error) => logger.warn('sync purge failed', { error }),
  });

  const blobsConfig = blobsConfigFromEnv(process.env, config.dataDir);
  const blobs: BlobsDeps = {
    db: database.db,
    now: systemClock.now,
    config: blobsConfig,
    stores: createBlobStores(blobsConfig),
  };
  const stopBlobGc = startBlobGc(blobs, {
    intervalMs: blobsConfig.gcIntervalMs,
    onReport: (report) => logger.info('blob gc', { ...report }),
    onError: (error) => logger.warn('blob gc failed', { error }),
  });

  const deps: AppDeps = {
    db: database.db,
    database,
    config,
    clock: systemClock,
    logger,
    meta,
    lifecycle: createLifecycle(),
    pokes,
    blobs,
  };
  const server = await startHttpServer(createApp(deps), { host: config.host, port: config.port });
  logger.info('listening', {
    url: server.url,
    database: database.dialect,
    dataDir: database.dialect === 'pglite' ? config.dataDir : undefined,
    epoch: meta.epoch,
  });

  let exitCode = 0;
  const shutdown = async (signal: string) => {
    if (deps.lifecycle.isShuttingDown()) return;
    deps.lifecycle.beginShutdown();
    logger.info('shutting down', { signal, graceMs: config.shutdownGraceMs });
    try {
      await pokes.stop(); // ends the event streams, which would otherwise hold the server open
      await server.stop(config.shutdownGraceMs);
      await stopPurge();
      await stopBlobGc();
      await stopSessionCleanup();
      blobs.stores.close();
      await maintenance.stop();
      await database.close();
    } catch (error) {
      logger.error('shutdown failed', { error });
      exitCode = 1;
    }
    logger.info('stopped');
    process.exit(exitCode);
  };
  // `on`, not `once`: a second signal during a slow shutdown (tsx relays signals; so do some supervisors) must
  // not fall through to the default handler and kill the process mid-drain.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
