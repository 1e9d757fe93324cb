/**
 * @module Primitives shared by every wire schema: ids, byte strings, timestamps.
 */
import { z } from 'zod';

/**
 * A 128-bit id in canonical lower-case UUID form (any version bits: link records derive theirs from a keyed hash).
 * Collection ids and record ids are chosen by the client, so they can be made offline. One spelling per id.
 */
export const Uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lower-case UUID');
export type Uuid = z.infer<typeof Uuid>;

/** Bytes as standard base64 with padding. */
export const Base64 = z.base64();
export type Base64 = z.infer<typeof Base64>;

/** Milliseconds since the Unix epoch, as set by the server. */
export const TimestampMs = z.number().int().nonnegative();

/** A per-collection change counter: strictly increasing in commit order. */
export const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export type Seq = z.infer<typeof Seq>;

/** A record's version: 1 on creation, +1 on every accepted write; 0 means "does not exist yet". */
export const Version = z.number().int().nonnegative().max(2_147_483_647);
export type Version = z.infer<typeof Version>;

/** Identifies one incarnation of the server's database; it changes when a backup is restored. */
export const ServerEpoch = Uuid;
export type ServerEpoch = z.infer<typeof ServerEpoch>;
