/**
 * @module Sync: collections, push (compare-and-set per record), pull (delta by per-collection seq), reconcile,
 * live pokes. Semantics are written down in docs/protocol.md; see: [Note: Seq is gap-free].
 */
import { z } from 'zod';
import { Base64, Seq, ServerEpoch, TimestampMs, Uuid, Version } from './common';
import { OpRejectCode } from './errors';

export const Role = z.enum(['owner', 'writer', 'reader']);
export type Role = z.infer<typeof Role>;

/** Limits the server enforces; served by GET /v1/info so clients can size their batches. */
export const SyncLimits = z.object({
  maxRecordBytes: z.number().int().positive(),
  maxOpsPerPush: z.number().int().positive(),
  maxBodyBytes: z.number().int().positive(),
  pullDefaultLimit: z.number().int().positive(),
  pullMaxLimit: z.number().int().positive(),
  pullDefaultBytes: z.number().int().positive(),
  pullMaxBytes: z.number().int().positive(),
  reconcileMaxKnown: z.number().int().positive(),
});
export type SyncLimits = z.infer<typeof SyncLimits>;

export const ServerInfo = z.object({
  protocolVersion: z.number().int().positive(),
  epoch: ServerEpoch,
  limits: SyncLimits,
});
export type ServerInfo = z.infer<typeof ServerInfo>;

// ---------------------------------------------------------------------------------------------------------------
// Collections and memberships

export const CreateCollectionRequest = z.object({
  /** Chosen by the client, so an album made offline keeps its id. Creating the same id again is idempotent. */
  id: Uuid,
  /** The collection key wrapped by the owner's master key (opaque to the server). */
  encryptedKey: Base64.max(1024),
  keyEpoch: z.number().int().positive().default(1),
});
export type CreateCollectionRequest = z.input<typeof CreateCollectionRequest>;

/** One collection as the caller sees it through their membership. */
export const Membership = z.object({
  collectionId: Uuid,
  ownerId: Uuid,
  role: Role,
  keyEpoch: z.number().int().positive(),
  /** The collection key for this member: wrapped by the owner's master key, or sealed to a member. */
  encryptedKey: Base64,
  /** The collection's latest seq when this answer was made. */
  seq: Seq,
  createdAt: TimestampMs,
});
export type Membership = z.infer<typeof Membership>;

export const CreateCollectionResponse = z.object({ epoch: ServerEpoch, membership: Membership });
export type CreateCollectionResponse = z.infer<typeof CreateCollectionResponse>;

/** GET /v1/collections?since=cursor: memberships added or changed, and collections removed, since the cursor. */
export const ListCollectionsQuery = z.object({ since: z.coerce.number().int().nonnegative().default(0) });
export const ListCollectionsResponse = z.object({
  epoch: ServerEpoch,
  cursor: Seq,
  upserted: z.array(Membership),
  removed: z.array(Uuid),
});
export type ListCollectionsResponse = z.infer<typeof ListCollectionsResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Records on the wire

export const WireRecord = z.object({
  collectionId: Uuid,
  recordId: Uuid,
  version: Version,
  seq: Seq,
  deleted: z.boolean(),
  /** null for a tombstone. */
  ciphertext: Base64.nullable(),
  blobIds: z.array(Uuid),
  updatedAt: TimestampMs,
});
export type WireRecord = z.infer<typeof WireRecord>;

// ---------------------------------------------------------------------------------------------------------------
// Push

const OpBase = z.object({
  /** Client-chosen id; a retried op with the same id is acknowledged, never applied twice. */
  opId: Uuid,
  collectionId: Uuid,
  recordId: Uuid,
  /** The version this write is based on; 0 creates. Applied only if the record is still at this version. */
  baseVersion: Version,
  /** Ops sharing a group in one push land together or not at all. */
  group: z.string().min(1).max(64).optional(),
});
export const PutOp = OpBase.extend({
  ciphertext: Base64,
  /** Blobs this record refers to; each must be committed and belong to the pusher. */
  blobIds: z.array(Uuid).max(16).default([]),
}).strict();
export const DeleteOp = OpBase.extend({ delete: z.literal(true) }).strict();
export const PushOp = z.union([PutOp, DeleteOp]);
export type PushOp = z.input<typeof PushOp>;

export const PushRequest = z.object({ ops: z.array(PushOp).min(1) });
export type PushRequest = z.input<typeof PushRequest>;

export const PushResult = z.discriminatedUnion('status', [
  z.object({
    opId: Uuid,
    status: z.literal('applied'),
    version: Version,
    seq: Seq,
    /** True when this op had already been applied by an earlier (retried) push. */
    replayed: z.boolean(),
  }),
  z.object({
    opId: Uuid,
    status: z.literal('conflict'),
    /** The record as it is now (possibly a tombstone), so the client can merge and retry on its version. */
    current: WireRecord,
  }),
  z.object({ opId: Uuid, status: z.literal('rejected'), code: OpRejectCode, message: z.string() }),
]);
export type PushResult = z.infer<typeof PushResult>;

export const PushResponse = z.object({ epoch: ServerEpoch, results: z.array(PushResult) });
export type PushResponse = z.infer<typeof PushResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Pull

export const PullRequest = z.object({
  /** collectionId -> the last seq the client has seen (0 for none). */
  cursors: z.record(Uuid, Seq),
  limit: z.number().int().positive().optional(),
  maxBytes: z.number().int().positive().optional(),
});
export type PullRequest = z.input<typeof PullRequest>;

export const PullResponse = z.object({
  epoch: ServerEpoch,
  /** Records and tombstones with a higher seq than the cursor, collection by collection, each in seq order. */
  changes: z.array(WireRecord),
  /** The advanced cursors: the client has now seen everything up to these seqs. */
  cursors: z.record(Uuid, Seq),
  hasMore: z.boolean(),
});
export type PullResponse = z.infer<typeof PullResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Reconcile: for a client whose cursor is older than the tombstone purge floor (410 cursor_expired).

export const ReconcileRequest = z.object({
  collectionId: Uuid,
  /** The record-id range this page covers: (after, until]; null means open-ended. Ids compare as strings. */
  after: Uuid.nullable(),
  until: Uuid.nullable(),
  /** What the client holds in that range. */
  known: z.array(z.object({ recordId: Uuid, version: Version })),
});
export type ReconcileRequest = z.input<typeof ReconcileRequest>;

export const ReconcileResponse = z.object({
  epoch: ServerEpoch,
  /** The collection's seq before this answer was read: pull from here once every page is reconciled. */
  seq: Seq,
  /** Server records in the range that the client lacks or holds at another version (tombstones included). */
  changed: z.array(WireRecord),
  /** Ids the client holds that the server no longer has at all (purged): drop them. */
  missing: z.array(Uuid),
  /** When `changed` was capped: call again with after = resumeAfter and the same `until`. */
  hasMore: z.boolean(),
  resumeAfter: Uuid.nullable(),
});
export type ReconcileResponse = z.infer<typeof ReconcileResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Live updates: GET /v1/sync/events is a text/event-stream of these.

/** event: poke — the collection has changes up to `seq`; pull it. */
export const PokeEvent = z.object({ collectionId: Uuid, seq: Seq });
export type PokeEvent = z.infer<typeof PokeEvent>;
/** event: collections — the caller's memberships changed; list collections again. */
export const CollectionsEvent = z.object({ cursor: Seq });
export type CollectionsEvent = z.infer<typeof CollectionsEvent>;
/** event: ready — sent first on every stream. */
export const ReadyEvent = z.object({ epoch: ServerEpoch });
export type ReadyEvent = z.infer<typeof ReadyEvent>;
