/**
 * @module How sync data crosses the database edge. Ciphertext travels as base64 text, encoded and decoded by
 * PostgreSQL itself, and batches travel as one JSON parameter. See: [Note: Ciphertext crosses the db edge as base64].
 */
import { type RawBuilder, sql } from 'kysely';

/*
 * [Note: Ciphertext crosses the db edge as base64]
 * The wire format is base64 and the column is bytea. The server never holds ciphertext as bytes: it hands the
 * client's base64 string to `decode(x, 'base64')` on write and returns `encode(col, 'base64')` on read, minus the
 * newline PostgreSQL inserts every 76 characters. One code path, and the base64 a client sent is the base64 it
 * gets back. Measured here (1 KiB records, 500 per statement, best of 5, both dialects):
 *   read  PGlite: encode+replace 78k/s vs bytea -> Buffer -> base64 8.7k/s;  PostgreSQL: 63k/s vs 67k/s
 *   write PGlite: decode from json 15.7k/s vs bytea[] parameter 5.5k/s;     PostgreSQL: 24k/s vs 13k/s
 * Strip the newlines with replace(), never translate(): translate is character-by-character and cut reads to
 * 19k/s on both dialects.
 *
 * Batches (the ops of a push, the ids of a pull) travel as ONE json parameter read with json_to_recordset /
 * json_array_elements_text: the same SQL on both drivers, no array-parameter serialisation differences, and one
 * round trip per statement however large the batch.
 */

/** The standard-base64 text of a bytea column, without the line breaks `encode` adds. */
export function base64Of(column: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`replace(encode(${column}, 'base64'), chr(10), '')`;
}

/** Milliseconds since the epoch of a timestamptz column, as a double (cheaper to parse than a timestamp). */
export function epochMsOf(column: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`floor(extract(epoch from ${column}) * 1000)::float8`;
}

/** A timestamptz parameter from the injected clock's milliseconds. */
export function timestampParam(ms: number): RawBuilder<Date> {
  return sql<Date>`${new Date(ms).toISOString()}::timestamptz`;
}

/** A json parameter holding a batch. */
export function jsonParam(value: unknown): RawBuilder<unknown> {
  return sql`${JSON.stringify(value)}::json`;
}

/** Decoded length of a valid padded base64 string, without decoding it. */
export function base64DecodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - padding;
}

/** int8 columns come back as number from our drivers, but a count or a sum may be numeric: normalise once. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}
