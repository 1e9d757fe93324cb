/**
 * @module The server_meta row: this database's epoch and the secret behind prelogin's fake salts. Created on the
 * first start (by whichever process gets there first) and read on every start.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface ServerMeta {
  readonly epoch: string;
  readonly preloginSecret: Buffer;
}

export async function ensureServerMeta(db: Kysely<Database>): Promise<ServerMeta> {
  await db
    .insertInto('server_meta')
    .values({ epoch: randomUUID(), prelogin_secret: randomBytes(32) })
    .onConflict((oc) => oc.column('singleton').doNothing())
    .execute();
  const row = await db
    .selectFrom('server_meta')
    .select(['epoch', 'prelogin_secret'])
    .executeTakeFirstOrThrow();
  return { epoch: row.epoch, preloginSecret: row.prelogin_secret };
}
