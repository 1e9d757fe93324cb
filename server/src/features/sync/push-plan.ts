/**
 * @module Deciding a push: a pure function from the ops and the state read under the collection locks to a result
 * per op and the rows to write. No I/O, so every rule of compare-and-set, replay and atomic groups is testable
 * alone (push-plan.test.ts); sync.service.ts does the reading and writing around it.
 */
import type { OpRejectCode, PushOp, Role, WireRecord } from '@halyon/protocol';
import { base64DecodedLength } from './db-edge';

/** A push op after schema parsing (blobIds defaulted). */
export type ParsedPushOp =
  | (Omit<Extract<PushOp, { ciphertext: string }>, 'blobIds'> & { readonly blobIds: readonly string[] })
  | Extract<PushOp, { delete: true }>;

export type BlobRefStatus = 'ok' | 'blob_not_found' | 'blob_not_committed';

export interface CollectionAccess {
  readonly role: Role;
  /** The collection's seq, read under its row lock (only meaningful for collections the caller may write). */
  readonly seq: number;
}

export interface StoredVersion {
  readonly version: number;
  readonly deleted: boolean;
}

export interface AppliedOp {
  readonly recordId: string;
  readonly version: number;
  readonly seq: number;
}

export interface PushState {
  /** Collections the caller is a member of, by id; absent means unknown or foreign. */
  readonly accessById: ReadonlyMap<string, CollectionAccess>;
  /** Current versions of the records the ops touch, by recordKey. */
  readonly storedByKey: ReadonlyMap<string, StoredVersion>;
  /** Ops already applied by an earlier push, by opKey (read only for ops refused by version; see sync.service.ts). */
  readonly appliedByKey: ReadonlyMap<string, AppliedOp>;
  /** Status of every blob id the ops refer to. */
  readonly blobStatusById: ReadonlyMap<string, BlobRefStatus>;
  readonly maxRecordBytes: number;
  readonly nowMs: number;
}

/** A result, with a conflict pointing at where its current record lives until it is fetched. */
export type PlannedResult =
  | {
      readonly opId: string;
      readonly status: 'applied';
      readonly version: number;
      readonly seq: number;
      readonly replayed: boolean;
    }
  | { readonly opId: string; readonly status: 'conflict'; readonly current: ConflictSource }
  | {
      readonly opId: string;
      readonly status: 'rejected';
      readonly code: OpRejectCode;
      readonly message: string;
    };

export type ConflictSource =
  | { readonly from: 'database'; readonly collectionId: string; readonly recordId: string }
  | { readonly from: 'batch'; readonly record: WireRecord };

export interface RecordWrite {
  readonly record: WireRecord;
  readonly size: number;
  readonly opId: string;
}

export interface AppliedOpWrite extends AppliedOp {
  readonly collectionId: string;
  readonly opId: string;
}

export interface PushPlan {
  readonly results: readonly PlannedResult[];
  /** The final state of every record written (one row per record even when several ops touched it). */
  readonly recordWrites: readonly RecordWrite[];
  readonly appliedOps: readonly AppliedOpWrite[];
  /** New seq of every collection that changed. */
  readonly seqByCollection: ReadonlyMap<string, number>;
}

export const recordKey = (collectionId: string, recordId: string): string => `${collectionId}/${recordId}`;
export const opKey = (collectionId: string, opId: string): string => `${collectionId}/${opId}`;

type Rejection = Extract<PlannedResult, { status: 'rejected' }>;

const reject = (opId: string, code: OpRejectCode, message: string): Rejection => ({
  opId,
  status: 'rejected',
  code,
  message,
});

/** What a record looks like while the plan is being made: from the database, or written earlier in this batch. */
type Current =
  | { readonly version: number; readonly deleted: boolean; readonly from: 'database' }
  | {
      readonly version: number;
      readonly deleted: boolean;
      readonly from: 'batch';
      readonly record: WireRecord;
    };

/**
 * Decides every op in request order, as if applied one after another: a later op sees the writes of earlier ones.
 *
 * Atomic groups: when any op of a group cannot apply, the whole group is dropped and the plan is made again
 * without it (a later op may have depended on a dropped write, which can fail another group; this converges
 * because groups only ever leave). The ops that could not apply by themselves report why (their conflict or
 * rejection); the other members report `group_aborted`.
 */
export function planPush(ops: readonly ParsedPushOp[], state: PushState): PushPlan {
  const preRejected = rejectInvalidOps(ops, state);
  const abortedGroups = new Set<string>();
  for (;;) {
    const pass = decideInOrder(ops, state, preRejected, abortedGroups);
    const failedGroups = new Set<string>();
    ops.forEach((op, i) => {
      const result = pass.results[i]!;
      if (op.group !== undefined && !abortedGroups.has(op.group) && result.status !== 'applied') {
        failedGroups.add(op.group);
      }
    });
    if (failedGroups.size === 0) return pass;
    for (const group of failedGroups) abortedGroups.add(group);
  }
}

/** Checks that need no record state: duplicates in the request, access, size, blob refs. */
function rejectInvalidOps(ops: readonly ParsedPushOp[], state: PushState): ReadonlyMap<number, Rejection> {
  const rejected = new Map<number, Rejection>();
  const seenOpIds = new Set<string>();
  ops.forEach((op, i) => {
    const access = state.accessById.get(op.collectionId);
    if (seenOpIds.has(op.opId)) {
      rejected.set(i, reject(op.opId, 'duplicate_op', 'this opId appears earlier in the same push'));
    } else if (access === undefined) {
      rejected.set(i, reject(op.opId, 'collection_not_found', 'no such collection, or you are not a member'));
    } else if (access.role === 'reader') {
      rejected.set(i, reject(op.opId, 'forbidden', 'your role in this collection is reader'));
    } else if ('ciphertext' in op) {
      const size = base64DecodedLength(op.ciphertext);
      const blobProblem = op.blobIds
        .map((id) => state.blobStatusById.get(id) ?? 'blob_not_found')
        .find((status) => status !== 'ok');
      if (size > state.maxRecordBytes) {
        rejected.set(
          i,
          reject(
            op.opId,
            'record_too_large',
            `ciphertext is ${size} bytes; the limit is ${state.maxRecordBytes}`,
          ),
        );
      } else if (blobProblem !== undefined) {
        rejected.set(
          i,
          reject(op.opId, blobProblem, `a referenced blob is ${blobProblem.replace('blob_', '')}`),
        );
      }
    }
    seenOpIds.add(op.opId);
  });
  return rejected;
}

function decideInOrder(
  ops: readonly ParsedPushOp[],
  state: PushState,
  preRejected: ReadonlyMap<number, Rejection>,
  abortedGroups: ReadonlySet<string>,
): PushPlan {
  const currentByKey = new Map<string, Current>();
  const seqByCollection = new Map<string, number>();
  const writesByKey = new Map<string, RecordWrite>();
  const appliedOps: AppliedOpWrite[] = [];

  const currentOf = (key: string): Current | undefined => {
    const inBatch = currentByKey.get(key);
    if (inBatch !== undefined) return inBatch;
    const stored = state.storedByKey.get(key);
    return stored === undefined ? undefined : { ...stored, from: 'database' };
  };

  const results = ops.map((op, i): PlannedResult => {
    const rejected = preRejected.get(i);
    if (rejected !== undefined) return rejected;

    const replay = state.appliedByKey.get(opKey(op.collectionId, op.opId));
    if (replay !== undefined) {
      return { opId: op.opId, status: 'applied', version: replay.version, seq: replay.seq, replayed: true };
    }

    const key = recordKey(op.collectionId, op.recordId);
    const current = currentOf(key);
    const outcome = compareAndSet(op, current);
    const aborted = op.group !== undefined && abortedGroups.has(op.group);
    if (outcome !== 'applies') {
      return outcome;
    }
    if (aborted) {
      return reject(op.opId, 'group_aborted', `another op of group "${op.group}" could not apply`);
    }

    const seq = (seqByCollection.get(op.collectionId) ?? state.accessById.get(op.collectionId)!.seq) + 1;
    const version = (current?.version ?? 0) + 1;
    const isDelete = 'delete' in op;
    const record: WireRecord = {
      collectionId: op.collectionId,
      recordId: op.recordId,
      version,
      seq,
      deleted: isDelete,
      ciphertext: isDelete ? null : op.ciphertext,
      blobIds: isDelete ? [] : [...op.blobIds],
      updatedAt: state.nowMs,
    };
    seqByCollection.set(op.collectionId, seq);
    currentByKey.set(key, { version, deleted: isDelete, from: 'batch', record });
    writesByKey.set(key, { record, size: isDelete ? 0 : base64DecodedLength(op.ciphertext), opId: op.opId });
    appliedOps.push({ collectionId: op.collectionId, opId: op.opId, recordId: op.recordId, version, seq });
    return { opId: op.opId, status: 'applied', version, seq, replayed: false };
  });

  return { results, recordWrites: [...writesByKey.values()], appliedOps, seqByCollection };
}

/** Compare-and-set: the op applies only if the record is still at its base version (0: does not exist). */
function compareAndSet(op: ParsedPushOp, current: Current | undefined): PlannedResult | 'applies' {
  const currentVersion = current?.version ?? 0;
  if (op.baseVersion === currentVersion) {
    if (current === undefined && 'delete' in op) {
      return reject(op.opId, 'record_not_found', 'cannot delete a record that does not exist');
    }
    return 'applies';
  }
  if (current === undefined) {
    // Never existed, or its tombstone was purged: there is no current record to send back.
    return reject(op.opId, 'record_not_found', `no record at version ${op.baseVersion}; it does not exist`);
  }
  return {
    opId: op.opId,
    status: 'conflict',
    current:
      current.from === 'batch'
        ? { from: 'batch', record: current.record }
        : { from: 'database', collectionId: op.collectionId, recordId: op.recordId },
  };
}
