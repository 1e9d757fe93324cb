import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, REPO_ROOT } from '../config';
import { openTestDatabase } from '../test/test-database';
import type { DatabaseHandle } from './database';
import { runMigrateCli } from './migrate-cli';
import { loadMigrations, migrateDown, migrateUp, migrationStatus } from './migrator';
import { dumpSchema } from './schema-dump';

const migrations = loadMigrations(MIGRATIONS_DIR);
const withoutBookkeeping = { exclude: ['schema_migrations'] };

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase({ migrate: false });
});
afterAll(async () => {
  await database?.close();
});

describe('migrations', () => {
  it('are numbered from 1 without gaps, each with an up and a down part', () => {
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('each down migration undoes its up migration exactly', async () => {
    for (const migration of migrations) {
      const before = await dumpSchema(database.db, withoutBookkeeping);
      await migrateUp(database.db, migrations, migration.version);
      const after = await dumpSchema(database.db, withoutBookkeeping);
      expect(after, `${migration.name} changes the schema`).not.toEqual(before);

      await migrateDown(database.db, migrations, 1);
      expect(await dumpSchema(database.db, withoutBookkeeping), `${migration.name} down`).toEqual(before);

      // Up again must give the same schema as the first time: the pair can be replayed.
      await migrateUp(database.db, migrations, migration.version);
      expect(await dumpSchema(database.db, withoutBookkeeping), `${migration.name} up again`).toEqual(after);
    }
    const status = await migrationStatus(database.db, migrations);
    expect(status.every((s) => s.appliedAt !== null)).toBe(true);
  });

  it('applies nothing twice, also when two runners start at once', async () => {
    await migrateDown(database.db, migrations, migrations.length);
    const [first, second] = await Promise.all([
      migrateUp(database.db, migrations),
      migrateUp(database.db, migrations),
    ]);
    expect(first.length + second.length).toBe(migrations.length);
    expect(await migrateUp(database.db, migrations)).toEqual([]);
  });

  it('rolls back a failing migration completely and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halyon-migrations-'));
    try {
      writeFileSync(join(dir, '0001_good.up.sql'), 'CREATE TABLE probe_one (id int);');
      writeFileSync(join(dir, '0001_good.down.sql'), 'DROP TABLE probe_one;');
      writeFileSync(
        join(dir, '0002_bad.up.sql'),
        'CREATE TABLE probe_two (id int); SELECT no_such_function();',
      );
      writeFileSync(join(dir, '0002_bad.down.sql'), 'DROP TABLE probe_two;');
      const broken = loadMigrations(dir);
      const scratch = await openTestDatabase({ migrate: false });
      try {
        await expect(migrateUp(scratch.db, broken)).rejects.toThrow('Migration 2_bad (up) failed');
        const status = await migrationStatus(scratch.db, broken);
        expect(status.map((s) => s.appliedAt !== null)).toEqual([true, false]);
        const tables = (await dumpSchema(scratch.db, withoutBookkeeping)).columns.map((c) => c.split('.')[0]);
        expect(tables).toEqual(['probe_one']);
      } finally {
        await scratch.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder where a migration lacks its down part', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halyon-migrations-'));
    try {
      writeFileSync(join(dir, '0001_only_up.up.sql'), 'SELECT 1;');
      expect(() => loadMigrations(dir)).toThrow(/needs both/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migrate CLI', () => {
  it('reports status, reverts and re-applies on an embedded database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'halyon-cli-'));
    // The CLI picks its database like the server does; without DATABASE_URL that is PGlite under the data dir.
    const env = { HALYON_DATA_DIR: dataDir };
    const run = async (...args: string[]) => {
      const lines: string[] = [];
      const code = await runMigrateCli(args, env, (line) => lines.push(line));
      return { code, lines };
    };
    try {
      const names = migrations.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
      expect(await run('status')).toEqual({ code: 0, lines: names.map((n) => `${n}  pending`) });
      expect(await run('up')).toEqual({ code: 0, lines: names.map((n) => `applied ${n}`) });
      expect(await run('up')).toEqual({ code: 0, lines: ['nothing to apply'] });
      expect(await run('down', String(migrations.length))).toEqual({
        code: 0,
        lines: [...names].reverse().map((n) => `reverted ${n}`),
      });
      const status = await run('status');
      expect(status.lines.every((l) => l.endsWith('pending'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('prints usage and exits 2 for an unknown command, as the pnpm script', async () => {
    const result = await promisify(execFile)('npx', ['pnpm', '--silent', 'migrate', 'sideways'], {
      cwd: REPO_ROOT,
    }).catch((error: { code: number; stdout: string }) => error);
    expect('code' in result ? result.code : 0).toBe(2);
    expect(result.stdout).toContain('usage: migrate up');
  });
});
