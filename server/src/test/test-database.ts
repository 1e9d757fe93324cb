/**
 * @module A fresh, migrated database for one test file: in-memory PGlite, or, when DATABASE_URL is set (CI), a
 * new database created on that server and dropped again on close.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../config';
import { type DatabaseHandle, openDatabase } from '../db/database';
import { loadMigrations, migrateUp } from '../db/migrator';

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

export async function openTestDatabase(options: TestDatabaseOptions = {}): Promise<DatabaseHandle> {
  const scratch = await createScratchPostgres();
  let database: DatabaseHandle;
  if (!scratch) {
    database = await openDatabase({ dataDir: undefined });
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
  if (options.migrate ?? true) await migrateUp(database.db, loadMigrations(MIGRATIONS_DIR));
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
