/**
 * @module Opens the database: embedded PGlite (a data directory, or memory for tests) when no DATABASE_URL is set,
 * PostgreSQL through a pg Pool when it is. Both end in the same Kysely<Database>, with the same value types:
 * bytea -> Buffer, int8 -> number. See: [Note: int8 as number].
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Mutex, PGliteDialect } from './pglite-dialect';
import type { Database } from './schema';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: 'pglite' | 'postgres';
  /** Subscribes to NOTIFY on a channel; resolves once LISTEN is in effect, with the unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, PGlite is used. */
  readonly databaseUrl?: string | undefined;
  /** PGlite's data directory parent (PGlite lives in `${dataDir}/pglite`); absent means in memory. */
  readonly dataDir?: string | undefined;
  readonly databasePoolSize?: number;
  /** PGlite only: start from this data-directory tarball instead of running initdb (tests use it to boot fast). */
  readonly pgliteSnapshot?: Blob;
}

const BYTEA_OID = 17;
const INT8_OID = 20;

/**
 * [Note: int8 as number]: seq and membership_seq are bigint in SQL so they never overflow in practice, but every
 * value we store stays far below 2^53, so repositories get plain numbers. A value beyond that is a bug: throw.
 */
function int8ToNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`int8 value ${text} is beyond Number.MAX_SAFE_INTEGER`);
  return value;
}

function byteaToBuffer(text: string): Buffer {
  // PostgreSQL's text output for bytea is hex: \x0a0b...
  return Buffer.from(text.slice(2), 'hex');
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.databasePoolSize ?? 20)
    : openPGlite(options.dataDir, options.pgliteSnapshot);
}

async function openPGlite(dataDir: string | undefined, snapshot: Blob | undefined): Promise<DatabaseHandle> {
  let pgliteDir: string | undefined;
  if (dataDir !== undefined) {
    pgliteDir = `${dataDir}/pglite`;
    mkdirSync(pgliteDir, { recursive: true });
  }
  const pglite = await PGlite.create({
    dataDir: pgliteDir,
    loadDataDir: snapshot,
    parsers: { [BYTEA_OID]: byteaToBuffer, [INT8_OID]: int8ToNumber },
    // PGlite runs PostgreSQL in single-user mode: no checkpointer, no autovacuum. A small max_wal_size keeps
    // the WAL from growing to its 1 GB default between checkpoints. See: [Note: Keeping PGlite small].
    startParams: [...PGlite.defaultStartParams, '-c', 'max_wal_size=64MB', '-c', 'min_wal_size=32MB'],
  });
  const mutex = new Mutex();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, mutex) });

  // LISTEN is a statement on the one connection: take the same turn as queries, so it never lands inside
  // someone's open transaction (where a rollback would undo it).
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const release = await mutex.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  };

  return {
    db,
    dialect: 'pglite',
    async listen(channel, onPayload) {
      const unlisten = await exclusive(() => pglite.listen(channel, onPayload));
      return () => exclusive(() => unlisten());
    },
    async close() {
      await db.destroy();
      await exclusive(() => pglite.close());
    },
  };
}

async function openPostgres(databaseUrl: string, poolSize: number): Promise<DatabaseHandle> {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8_OID) return int8ToNumber;
      // biome-ignore lint/suspicious/noExplicitAny: pg-types' overloads do not accept a union format.
      return (pg.types.getTypeParser as any)(oid, format);
    },
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, types });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listener = new PostgresListener(databaseUrl, types);

  return {
    db,
    dialect: 'postgres',
    listen: (channel, onPayload) => listener.listen(channel, onPayload),
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}

/**
 * One dedicated connection carries every LISTEN of this process (pooled connections would lose them). If it
 * drops, it reconnects and listens again; notifications sent while it was down are lost, which pokes tolerate:
 * they only say "pull now", and clients also pull on reconnect.
 */
class PostgresListener {
  readonly #callbacksByChannel = new Map<string, Set<(payload: string) => void>>();
  readonly #listenedByChannel = new Map<string, Promise<void>>();
  #client: Promise<pg.Client> | undefined;
  #closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly types: pg.CustomTypesConfig,
  ) {}

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const client = await this.#connected();
    let callbacks = this.#callbacksByChannel.get(channel);
    if (!callbacks) {
      callbacks = new Set();
      this.#callbacksByChannel.set(channel, callbacks);
      this.#listenedByChannel.set(
        channel,
        client.query(`LISTEN ${quoteIdent(channel)}`).then(() => {}),
      );
    }
    callbacks.add(onPayload);
    // A second subscriber to a new channel also waits until LISTEN is in effect.
    await this.#listenedByChannel.get(channel);
    return async () => {
      const current = this.#callbacksByChannel.get(channel);
      if (!current?.delete(onPayload) || current.size > 0) return;
      this.#callbacksByChannel.delete(channel);
      this.#listenedByChannel.delete(channel);
      if (!this.#closed) await (await this.#connected()).query(`UNLISTEN ${quoteIdent(channel)}`);
    };
  }

  #connected(): Promise<pg.Client> {
    if (!this.#client) {
      const connecting = this.#connect();
      connecting.catch(() => {
        if (this.#client === connecting) this.#client = undefined;
      });
      this.#client = connecting;
    }
    return this.#client;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.databaseUrl, types: this.types });
    client.on('notification', (message) => {
      for (const callback of this.#callbacksByChannel.get(message.channel) ?? [])
        callback(message.payload ?? '');
    });
    client.on('error', () => {
      // The 'end' handler below reconnects; an unhandled 'error' would crash the process.
    });
    client.on('end', () => {
      this.#client = undefined;
      if (!this.#closed && this.#callbacksByChannel.size > 0) setTimeout(() => void this.#relisten(), 1_000);
    });
    await client.connect();
    return client;
  }

  async #relisten(): Promise<void> {
    if (this.#closed) return;
    try {
      const client = await this.#connected();
      for (const channel of this.#callbacksByChannel.keys())
        await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch {
      this.#client = undefined;
      setTimeout(() => void this.#relisten(), 1_000);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    if (client) await (await client).end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
