/**
 * @module A textual dump of the public schema (tables, columns, indexes, constraints), the same on PGlite and
 * PostgreSQL: what the migration tests compare before and after an up/down pair.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema';

export interface SchemaDump {
  readonly columns: readonly string[];
  readonly indexes: readonly string[];
  readonly constraints: readonly string[];
}

export async function dumpSchema(
  db: Kysely<Database>,
  options: { exclude?: readonly string[] } = {},
): Promise<SchemaDump> {
  const exclude = options.exclude ?? [];
  const columns = await sql<{ line: string; table_name: string }>`
    SELECT table_name, table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
           coalesce(column_default, '') AS line
    FROM information_schema.columns WHERE table_schema = 'public'`.execute(db);
  const indexes = await sql<{ line: string; table_name: string }>`
    SELECT tablename AS table_name, indexdef AS line FROM pg_indexes WHERE schemaname = 'public'`.execute(db);
  const constraints = await sql<{ line: string; table_name: string }>`
    SELECT cl.relname AS table_name, cl.relname || ': ' || co.conname || ' ' || pg_get_constraintdef(co.oid) AS line
    FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
    JOIN pg_namespace ns ON ns.oid = cl.relnamespace WHERE ns.nspname = 'public'`.execute(db);
  const lines = (rows: { line: string; table_name: string }[]) =>
    rows
      .filter((r) => !exclude.includes(r.table_name))
      .map((r) => r.line)
      .sort();
  return { columns: lines(columns.rows), indexes: lines(indexes.rows), constraints: lines(constraints.rows) };
}
