/**
 * @module A fresh, migrated database for one test file: in-memory PGlite, or, when DATABASE_URL is set (CI), a
 * new database created on that server and dropped again on close.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../config';
import { type DatabaseHandle, openDatabase } from '../db/database';
import { loadMigrations, migrateUp } from '../db/migrator';
import { Mutex, PGliteDialect } from '../db/pglite-dialect';
import type { Database } from '../db/schema';

export interface TestDatabaseOptions {
  /** Apply migrations/ (default true). */
  readonly migrate?: boolean;
}

export interface ScratchPostgres {
  readonly url: string;
  drop(): Promise<void>;
}

/** An empty database on the DATABASE_URL server; undefined when tests run on PGlite. */
export async function createScratchPostgres(): Promise<ScratchPostgres | undefined> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return undefined;
  const name = `halyon_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdminClient(adminUrl, async (client) => {
        // pg's pool.end() resolves before its backends have exited; FORCE would kill them mid-goodbye and their
        // clients would emit unhandled FATAL errors. Wait for them to leave, and force only as a last resort.
        for (let attempt = 0; attempt < 50; attempt++) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name}`);
            return;
          } catch (error) {
            if ((error as { code?: string }).code !== '55006') throw error; // 55006: still in use
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

/**
 * A PGlite data directory as a tarball, empty or migrated, cached in the temp folder under a key of the PGlite
 * version and the migration files: initdb costs seconds per test file, loading the tarball well under one.
 */
async function pgliteSnapshot(migrated: boolean): Promise<Blob> {
  const migrations = loadMigrations(MIGRATIONS_DIR);
  const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pgliteVersion = readFileSync(join(dirname(pgliteEntry), '..', 'package.json'), 'utf8');
  const key = createHash('sha256')
    .update(pgliteVersion)
    .update(migrated ? JSON.stringify(migrations) : 'empty')
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), 'halyon-test-pglite');
  const file = join(dir, `${key}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);

  const pglite = await PGlite.create();
  if (migrated) {
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, new Mutex()) });
    await migrateUp(db, migrations);
  }
  const snapshot = await pglite.dumpDataDir('none');
  await pglite.close();
  mkdirSync(dir, { recursive: true });
  // Other test workers may be writing the same file: write aside, then rename (atomic).
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await snapshot.arrayBuffer()));
  renameSync(partial, file);
  return snapshot;
}

export async function openTestDatabase(options: TestDatabaseOptions = {}): Promise<DatabaseHandle> {
  const migrate = options.migrate ?? true;
  const scratch = await createScratchPostgres();
  let database: DatabaseHandle;
  if (!scratch) {
    database = await openDatabase({ pgliteSnapshot: await pgliteSnapshot(migrate) });
  } else {
    const opened = await openDatabase({ databaseUrl: scratch.url, databasePoolSize: 10 });
    database = {
      ...opened,
      async close() {
        await opened.close();
        await scratch.drop();
      },
    };
  }
  if (migrate) await migrateUp(database.db, loadMigrations(MIGRATIONS_DIR));
  return database;
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
