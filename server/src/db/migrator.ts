/**
 * @module The migration runner: migrations/NNNN_name.up.sql and .down.sql, applied in order, one transaction each,
 * recorded in schema_migrations. Several processes may start at once: an advisory lock makes them take turns,
 * and each re-checks what is applied once it holds the lock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly upSql: string;
  readonly downSql: string;
}

export interface MigrationStatus {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: Date | null;
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;
/** Arbitrary but fixed: the advisory-lock key all Halyon processes use for migrations. */
const MIGRATION_LOCK_KEY = 7_302_114;

/** Reads every migration in a folder; a missing half or a duplicate number is a packaging bug and throws. */
export function loadMigrations(dir: string): readonly Migration[] {
  const partsByVersion = new Map<number, { name: string; up?: string; down?: string }>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const [, number, name, direction] = match as unknown as [string, string, string, 'up' | 'down'];
    const version = Number(number);
    const parts = partsByVersion.get(version) ?? { name };
    if (parts.name !== name) throw new Error(`Two migrations numbered ${number}: ${parts.name} and ${name}`);
    parts[direction] = readFileSync(join(dir, file), 'utf8');
    partsByVersion.set(version, parts);
  }
  return [...partsByVersion.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, { name, up, down }]) => {
      if (up === undefined || down === undefined) {
        throw new Error(`Migration ${version}_${name} needs both an .up.sql and a .down.sql file`);
      }
      return { version, name, upSql: up, downSql: down };
    });
}

async function ensureMigrationsTable(db: Kysely<Database>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
}

async function appliedVersions(db: Kysely<Database>): Promise<ReadonlySet<number>> {
  const rows = await db.selectFrom('schema_migrations').select('version').execute();
  return new Set(rows.map((r) => r.version));
}

/** Applies every pending migration (up to `toVersion` if given); returns those it applied. */
export async function migrateUp(
  db: Kysely<Database>,
  migrations: readonly Migration[],
  toVersion = Number.POSITIVE_INFINITY,
): Promise<readonly Migration[]> {
  await ensureMigrationsTable(db);
  const applied: Migration[] = [];
  for (const migration of migrations) {
    if (migration.version > toVersion) break;
    const didApply = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      if ((await appliedVersions(trx)).has(migration.version)) return false;
      await runScript(trx, migration, 'up');
      await trx
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name })
        .execute();
      return true;
    });
    if (didApply) applied.push(migration);
  }
  return applied;
}

/** Reverts the `steps` most recently applied migrations, newest first; returns those it reverted. */
export async function migrateDown(
  db: Kysely<Database>,
  migrations: readonly Migration[],
  steps = 1,
): Promise<readonly Migration[]> {
  await ensureMigrationsTable(db);
  const reverted: Migration[] = [];
  for (let i = 0; i < steps; i++) {
    const migration = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      const latest = await trx
        .selectFrom('schema_migrations')
        .select('version')
        .orderBy('version', 'desc')
        .executeTakeFirst();
      if (!latest) return undefined;
      const found = migrations.find((m) => m.version === latest.version);
      if (!found) throw new Error(`Migration ${latest.version} is applied but its files are missing`);
      await runScript(trx, found, 'down');
      await trx.deleteFrom('schema_migrations').where('version', '=', found.version).execute();
      return found;
    });
    if (!migration) break;
    reverted.push(migration);
  }
  return reverted;
}

export async function migrationStatus(
  db: Kysely<Database>,
  migrations: readonly Migration[],
): Promise<readonly MigrationStatus[]> {
  await ensureMigrationsTable(db);
  const rows = await db.selectFrom('schema_migrations').select(['version', 'applied_at']).execute();
  const appliedAtByVersion = new Map(rows.map((r) => [r.version, r.applied_at]));
  return migrations.map((m) => ({
    version: m.version,
    name: m.name,
    appliedAt: appliedAtByVersion.get(m.version) ?? null,
  }));
}

async function runScript(
  db: Kysely<Database>,
  migration: Migration,
  direction: 'up' | 'down',
): Promise<void> {
  const script = direction === 'up' ? migration.upSql : migration.downSql;
  try {
    // A raw query without parameters runs as a simple query: several statements are allowed on both drivers.
    await sql.raw(script).execute(db);
  } catch (error) {
    throw new Error(`Migration ${migration.version}_${migration.name} (${direction}) failed`, {
      cause: error,
    });
  }
}
