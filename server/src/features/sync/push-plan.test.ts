import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type CollectionAccess,
  type ParsedPushOp,
  type PushState,
  planPush,
  recordKey,
  type StoredVersion,
} from './push-plan';

const collectionId = randomUUID();
const b64 = (text: string) => Buffer.from(text).toString('base64');

function put(recordId: string, baseVersion: number, extra: Partial<ParsedPushOp> = {}): ParsedPushOp {
  return {
    opId: randomUUID(),
    collectionId,
    recordId,
    baseVersion,
    ciphertext: b64('x'),
    blobIds: [],
    ...extra,
  };
}

function del(recordId: string, baseVersion: number, group?: string): ParsedPushOp {
  return {
    opId: randomUUID(),
    collectionId,
    recordId,
    baseVersion,
    delete: true,
    ...(group ? { group } : {}),
  };
}

function state(
  over: Partial<PushState> & { stored?: Record<string, StoredVersion>; seq?: number } = {},
): PushState {
  const access: CollectionAccess = { role: 'writer', seq: over.seq ?? 10 };
  return {
    accessById: new Map([[collectionId, access]]),
    storedByKey: new Map(
      Object.entries(over.stored ?? {}).map(([id, v]) => [recordKey(collectionId, id), v]),
    ),
    appliedByKey: new Map(),
    blobStatusById: new Map(),
    maxRecordBytes: 100,
    nowMs: 1_000,
    ...over,
  };
}

describe('planPush', () => {
  it('applies ops whose base version matches, numbering seqs from the collection seq in request order', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const plan = planPush([put(a, 0), put(b, 3)], state({ stored: { [b]: { version: 3, deleted: false } } }));
    expect(plan.results.map((r) => r.status === 'applied' && [r.version, r.seq])).toEqual([
      [1, 11],
      [4, 12],
    ]);
    expect(plan.seqByCollection.get(collectionId)).toBe(12);
  });

  it('reports a conflict pointing at the stored record when the base version is stale', () => {
    const id = randomUUID();
    const plan = planPush([put(id, 1)], state({ stored: { [id]: { version: 2, deleted: false } } }));
    expect(plan.results[0]).toMatchObject({
      status: 'conflict',
      current: { from: 'database', recordId: id },
    });
    expect(plan.recordWrites).toHaveLength(0);
  });

  it('lets a later op build on an earlier one in the same push and writes only the final state', () => {
    const id = randomUUID();
    const plan = planPush([put(id, 0), put(id, 1), put(id, 1)], state());
    expect(plan.results.map((r) => r.status)).toEqual(['applied', 'applied', 'conflict']);
    expect(plan.results[2]).toMatchObject({ current: { from: 'batch', record: { version: 2, seq: 12 } } });
    expect(plan.recordWrites.map((w) => w.record.version)).toEqual([2]);
  });

  it('answers a retried op with its original version and seq, marked replayed, and writes nothing', () => {
    const op = put(randomUUID(), 0);
    const plan = planPush(
      [op],
      state({
        stored: { [op.recordId]: { version: 1, deleted: false } },
        appliedByKey: new Map([
          [`${collectionId}/${op.opId}`, { recordId: op.recordId, version: 1, seq: 7 }],
        ]),
      }),
    );
    expect(plan.results[0]).toEqual({ opId: op.opId, status: 'applied', version: 1, seq: 7, replayed: true });
    expect(plan.appliedOps).toHaveLength(0);
  });

  it('rejects deleting a record that does not exist, and a base version for a record that never existed', () => {
    const plan = planPush([del(randomUUID(), 0), put(randomUUID(), 4)], state());
    expect(plan.results.map((r) => r.status === 'rejected' && r.code)).toEqual([
      'record_not_found',
      'record_not_found',
    ]);
  });

  it('turns a record into a tombstone and lets a put on the tombstone version bring it back', () => {
    const id = randomUUID();
    const plan = planPush(
      [del(id, 1), put(id, 2)],
      state({ stored: { [id]: { version: 1, deleted: false } } }),
    );
    expect(plan.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(plan.recordWrites[0]!.record).toMatchObject({ version: 3, deleted: false });
  });

  it('rejects oversized records, readers, foreign collections, unknown blobs and repeated op ids', () => {
    const big = put(randomUUID(), 0, { ciphertext: b64('y'.repeat(101)) });
    const foreign = { ...put(randomUUID(), 0), collectionId: randomUUID() };
    const withBlob = put(randomUUID(), 0, { blobIds: [randomUUID()] });
    const first = put(randomUUID(), 0);
    const again = { ...put(randomUUID(), 0), opId: first.opId };
    const plan = planPush([big, foreign, withBlob, first, again], state());
    expect(plan.results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'record_too_large',
      'collection_not_found',
      'blob_not_found',
      'applied',
      'duplicate_op',
    ]);
    const readerState = state();
    const asReader = planPush([put(randomUUID(), 0)], {
      ...readerState,
      accessById: new Map([[collectionId, { role: 'reader', seq: 0 }]]),
    });
    expect(asReader.results[0]).toMatchObject({ status: 'rejected', code: 'forbidden' });
  });

  it('drops a whole atomic group when one member cannot apply, keeping the member’s own reason', () => {
    const stale = randomUUID();
    const ops = [
      put(randomUUID(), 0, { group: 'g' }),
      put(stale, 0, { group: 'g' }),
      put(randomUUID(), 0),
      put(randomUUID(), 0, { group: 'h' }),
    ];
    const plan = planPush(ops, state({ stored: { [stale]: { version: 5, deleted: false } } }));
    expect(plan.results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'group_aborted',
      'conflict',
      'applied',
      'applied',
    ]);
    // Seqs stay contiguous: the aborted group took none.
    expect(plan.results.flatMap((r) => (r.status === 'applied' ? [r.seq] : []))).toEqual([11, 12]);
  });

  it('aborts a group that depended on a write of another aborted group', () => {
    const shared = randomUUID();
    const ops = [
      put(shared, 0, { group: 'first' }),
      put(randomUUID(), 3, { group: 'first' }), // fails: record does not exist
      put(shared, 1, { group: 'second' }), // only applies if the first group's write stands
    ];
    const plan = planPush(ops, state());
    expect(plan.results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'group_aborted',
      'record_not_found',
      'record_not_found',
    ]);
    expect(plan.recordWrites).toHaveLength(0);
  });
});
