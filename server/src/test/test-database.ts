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

export async function openTestDatabase(options: TestDatabaseOptions = {}): Promise<DatabaseHandle> {
  const adminUrl = process.env.DATABASE_URL;
  let database: DatabaseHandle;
  if (!adminUrl) {
    database = await openDatabase({ dataDir: undefined });
  } else {
    const name = `halyon_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const opened = await openDatabase({ databaseUrl: url.toString(), databasePoolSize: 10 });
    database = {
      ...opened,
      async close() {
        await opened.close();
        await withAdminClient(adminUrl, (client) =>
          client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
        );
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
