/**
 * @module An in-memory server that follows the sync protocol (docs/protocol.md) closely enough to test the engine
 * against: compare-and-set pushes with op-id replay, seq-ordered paged pulls, tombstone purge with 410 and
 * reconcile, pokes. Every answer goes through the protocol schemas, like a real response. Not a reference
 * implementation: server/src/features/sync is.
 */
import {
  type ErrorCode,
  ListCollectionsResponse,
  type Membership,
  type Problem,
  PullResponse,
  PushResponse,
  type PushResult,
  ReconcileResponse,
  type WireRecord,
} from '@halyon/protocol';
import { err, ok } from '../../result';
import type { ServerEvent, Transport, TransportError } from '../transport';

interface ServerRecord {
  record: WireRecord;
  lastOpId: string;
}

interface ServerCollection {
  seq: number;
  purgeFloor: number;
  membershipSeq: number;
  readonly membership: Membership;
  readonly records: Map<string, ServerRecord>;
}

export interface MemoryServerOptions {
  readonly epoch?: string;
  readonly maxOpsPerPush?: number;
  readonly pullMaxLimit?: number;
  readonly reconcileMaxKnown?: number;
  /** Caps `changed` in one reconcile answer, to exercise resumeAfter. */
  readonly reconcilePageCap?: number;
}

const problem = (status: number, code: ErrorCode, extra: Partial<Problem> = {}) =>
  err<TransportError>({
    type: 'ProblemResponse',
    status,
    problem: { type: 'about:blank', title: code, status, code, ...extra },
  });

export const createMemoryServer = (options: MemoryServerOptions = {}) => {
  let epoch = options.epoch ?? '00000000-0000-4000-8000-0000000e0001';
  const collections = new Map<string, ServerCollection>();
  const appliedOps = new Map<string, { version: number; seq: number }>();
  const listeners = new Set<(event: ServerEvent) => void>();
  let membershipSeq = 0;
  let clock = 1_700_000_000_000;
  const limits = {
    maxRecordBytes: 256 * 1024,
    maxOpsPerPush: options.maxOpsPerPush ?? 1000,
    maxBodyBytes: 32 * 1024 * 1024,
    pullDefaultLimit: 500,
    pullMaxLimit: options.pullMaxLimit ?? 5000,
    pullDefaultBytes: 4 * 1024 * 1024,
    pullMaxBytes: 16 * 1024 * 1024,
    reconcileMaxKnown: options.reconcileMaxKnown ?? 1000,
  };

  const poke = (event: ServerEvent) => {
    for (const listener of listeners) listener(event);
  };

  const createCollection = (id: string) => {
    if (collections.has(id)) return;
    const membership: Membership = {
      collectionId: id,
      ownerId: '00000000-0000-4000-8000-00000000a11c',
      role: 'owner',
      keyEpoch: 1,
      encryptedKey: 'AAAA',
      seq: ++membershipSeq,
      createdAt: clock,
    };
    collections.set(id, { seq: 0, purgeFloor: 0, membershipSeq, membership, records: new Map() });
    poke({ type: 'collections', cursor: membershipSeq });
  };

  const transport: Transport = {
    info: async () => ok({ protocolVersion: 1, epoch, limits }),
    listCollections: async (since) =>
      ok(
        ListCollectionsResponse.parse({
          epoch,
          cursor: membershipSeq,
          upserted: [...collections.values()].filter((c) => c.membershipSeq > since).map((c) => c.membership),
          removed: [],
        }),
      ),
    createCollection: async (request) => {
      createCollection(request.id);
      return ok({ epoch, membership: collections.get(request.id)!.membership });
    },
    push: async ({ ops }) => {
      if (ops.length > limits.maxOpsPerPush) return problem(413, 'batch_too_large');
      const results: PushResult[] = ops.map((op) => {
        const collection = collections.get(op.collectionId);
        if (!collection)
          return { opId: op.opId, status: 'rejected', code: 'collection_not_found', message: 'no' };
        const replay = appliedOps.get(op.opId);
        if (replay) return { opId: op.opId, status: 'applied', ...replay, replayed: true };
        const existing = collection.records.get(op.recordId);
        const version = existing?.record.version ?? 0;
        if (version !== op.baseVersion) {
          if (!existing)
            return { opId: op.opId, status: 'rejected', code: 'record_not_found', message: 'gone' };
          return { opId: op.opId, status: 'conflict', current: existing.record };
        }
        const seq = ++collection.seq;
        const isDelete = 'delete' in op;
        const record: WireRecord = {
          collectionId: op.collectionId,
          recordId: op.recordId,
          version: version + 1,
          seq,
          deleted: isDelete,
          ciphertext: isDelete ? null : op.ciphertext,
          blobIds: isDelete ? [] : [...(op.blobIds ?? [])],
          updatedAt: ++clock,
        };
        collection.records.set(op.recordId, { record, lastOpId: op.opId });
        appliedOps.set(op.opId, { version: record.version, seq });
        return { opId: op.opId, status: 'applied', version: record.version, seq, replayed: false };
      });
      for (const [id, c] of collections) {
        if (ops.some((op) => op.collectionId === id)) poke({ type: 'poke', collectionId: id, seq: c.seq });
      }
      return ok(PushResponse.parse({ epoch, results }));
    },
    pull: async ({ cursors, limit }) => {
      const cap = Math.min(limit ?? limits.pullDefaultLimit, limits.pullMaxLimit);
      const expired = Object.entries(cursors)
        .filter(([id, seq]) => {
          const c = collections.get(id);
          return c !== undefined && seq > 0 && seq < c.purgeFloor;
        })
        .map(([id]) => id);
      if (expired.length > 0) return problem(410, 'cursor_expired', { collectionIds: expired });
      const changes: WireRecord[] = [];
      const next: Record<string, number> = {};
      let hasMore = false;
      for (const [id, seq] of Object.entries(cursors)) {
        const collection = collections.get(id);
        if (!collection) continue;
        const newer = [...collection.records.values()]
          .map((r) => r.record)
          .filter((r) => r.seq > seq)
          .sort((a, b) => a.seq - b.seq);
        const room = cap - changes.length;
        const taken = newer.slice(0, Math.max(0, room));
        changes.push(...taken);
        if (taken.length < newer.length) hasMore = true;
        next[id] = taken.length < newer.length ? (taken.at(-1)?.seq ?? seq) : Math.max(seq, collection.seq);
      }
      return ok(PullResponse.parse({ epoch, changes, cursors: next, hasMore }));
    },
    reconcile: async ({ collectionId, after, until, known }) => {
      const collection = collections.get(collectionId);
      if (!collection) return problem(404, 'collection_not_found');
      const inRange = (id: string) => (after === null || id > after) && (until === null || id <= until);
      const knownVersions = new Map(known.map((k) => [k.recordId, k.version]));
      const changedAll = [...collection.records.values()]
        .map((r) => r.record)
        .filter((r) => inRange(r.recordId) && knownVersions.get(r.recordId) !== r.version)
        .sort((a, b) => (a.recordId < b.recordId ? -1 : 1));
      const cap = options.reconcilePageCap ?? Number.POSITIVE_INFINITY;
      const changed = changedAll.slice(0, cap);
      const hasMore = changed.length < changedAll.length;
      const resumeAfter = hasMore ? changed.at(-1)!.recordId : null;
      const missing = known
        .filter((k) => !collection.records.has(k.recordId))
        .filter((k) => resumeAfter === null || k.recordId <= resumeAfter)
        .map((k) => k.recordId);
      return ok(
        ReconcileResponse.parse({ epoch, seq: collection.seq, changed, missing, hasMore, resumeAfter }),
      );
    },
    events: async (signal) => {
      const queue: ServerEvent[] = [{ type: 'ready', epoch }];
      let wake: (() => void) | null = null;
      const listener = (event: ServerEvent) => {
        queue.push(event);
        wake?.();
      };
      listeners.add(listener);
      signal.addEventListener('abort', () => {
        listeners.delete(listener);
        wake?.();
      });
      return ok({
        async *[Symbol.asyncIterator]() {
          while (!signal.aborted) {
            const next = queue.shift();
            if (next) yield next;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      });
    },
  };

  return {
    transport,
    createCollection,
    /** Purges tombstones (the retention window passed): cursors below the new floor get 410. */
    purgeTombstones(collectionId: string) {
      const collection = collections.get(collectionId)!;
      for (const [id, { record }] of collection.records) {
        if (record.deleted) {
          collection.records.delete(id);
          collection.purgeFloor = Math.max(collection.purgeFloor, record.seq);
        }
      }
    },
    /** A new epoch, as after restoring a backup. */
    setEpoch(next: string) {
      epoch = next;
    },
    /** A copy of every collection's records, as a backup would take. */
    backup() {
      return new Map([...collections].map(([id, c]) => [id, { seq: c.seq, records: new Map(c.records) }]));
    },
    /** Puts a backup's records back (what happened since is lost) under a new epoch. */
    restore(
      backup: ReadonlyMap<string, { seq: number; records: Map<string, ServerRecord> }>,
      nextEpoch: string,
    ) {
      for (const [id, saved] of backup) {
        const collection = collections.get(id)!;
        collection.records.clear();
        for (const [recordId, record] of saved.records) collection.records.set(recordId, record);
        collection.seq = saved.seq;
      }
      appliedOps.clear();
      epoch = nextEpoch;
    },
    records(collectionId: string): readonly WireRecord[] {
      return [...(collections.get(collectionId)?.records.values() ?? [])].map((r) => r.record);
    },
  };
};

export type MemoryServer = ReturnType<typeof createMemoryServer>;
