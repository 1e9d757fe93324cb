/**
 * @module `pnpm migrate up [version] | down [n] | status`: the migration runner from the command line, against
 * DATABASE_URL or the embedded PGlite under HALYON_DATA_DIR (the same choice the server makes).
 */
import { configFromEnv, MIGRATIONS_DIR } from '../config';
import { openDatabase } from './database';
import { loadMigrations, migrateDown, migrateUp, migrationStatus } from './migrator';

const USAGE = 'usage: migrate up [toVersion] | down [steps] | status';

export async function runMigrateCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  print: (line: string) => void,
): Promise<number> {
  const [command, countArg] = args;
  const count = countArg === undefined ? undefined : Number(countArg);
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) {
    print(USAGE);
    return 2;
  }
  if (command !== 'up' && command !== 'down' && command !== 'status') {
    print(USAGE);
    return 2;
  }
  const config = configFromEnv(env);
  const migrations = loadMigrations(MIGRATIONS_DIR);
  const database = await openDatabase(config);
  try {
    if (command === 'up') {
      const applied = await migrateUp(database.db, migrations, count);
      for (const m of applied) print(`applied ${pad(m.version)}_${m.name}`);
      if (applied.length === 0) print('nothing to apply');
    } else if (command === 'down') {
      const reverted = await migrateDown(database.db, migrations, count ?? 1);
      for (const m of reverted) print(`reverted ${pad(m.version)}_${m.name}`);
      if (reverted.length === 0) print('nothing to revert');
    } else {
      for (const s of await migrationStatus(database.db, migrations)) {
        print(
          `${pad(s.version)}_${s.name}  ${s.appliedAt ? `applied ${s.appliedAt.toISOString()}` : 'pending'}`,
        );
      }
    }
    return 0;
  } finally {
    await database.close();
  }
}

function pad(version: number): string {
  return String(version).padStart(4, '0');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMigrateCli(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
