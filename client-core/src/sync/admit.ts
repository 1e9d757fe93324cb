/**
 * @module The gate every record from the server passes before it is stored or shown: the high-water mark (no
 * rollback, no replay of another copy), authentication under the record's exact context (no tampering, no swap),
 * and the kind schema. One refused record refuses the whole answer. See: [Note: Sealing for the next version]
 */
import type { WireRecord } from '@halyon/protocol';
import { err, ok, type Result } from '../result';
import { base64ToBytes } from './base64';
import type { RefusedRecord } from './errors';
import type { RecordDoc } from './merge';
import type { RecordCipher, RecordCodec } from './record-cipher';
import type { StoredRecord, SyncStore } from './sync-store';

export interface AdmittedRecord {
  readonly stored: StoredRecord;
  /** null for a tombstone. */
  readonly doc: RecordDoc | null;
}

export interface Admission {
  /** New to this device, to store and show. */
  readonly admitted: readonly AdmittedRecord[];
  /** Exactly what this device already holds (e.g. our own applied write coming back in a pull). */
  readonly unchanged: number;
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean => {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

export const wireToStored = (record: WireRecord): StoredRecord => ({
  collectionId: record.collectionId,
  recordId: record.recordId,
  version: record.version,
  seq: record.seq,
  deleted: record.deleted,
  ciphertext: record.deleted || record.ciphertext === null ? null : base64ToBytes(record.ciphertext),
  blobIds: record.blobIds,
  updatedAt: record.updatedAt,
});

export const openStoredDoc = (
  cipher: RecordCipher,
  codec: RecordCodec,
  record: { collectionId: string; recordId: string; ciphertext: Uint8Array },
  version: number,
): Result<RecordDoc, RefusedRecord> => {
  const refuse = (reason: RefusedRecord['reason']) =>
    err({ collectionId: record.collectionId, recordId: record.recordId, version, reason });
  const plaintext = cipher.open({ ...record, version }, record.ciphertext);
  if (!plaintext.ok) return refuse(plaintext.error.type);
  const doc = codec.decode(plaintext.value);
  return doc.ok ? ok(doc.value) : refuse('InvalidRecord');
};

export const admitRemote = async (
  store: SyncStore,
  cipher: RecordCipher,
  codec: RecordCodec,
  records: readonly WireRecord[],
): Promise<Result<Admission, readonly RefusedRecord[]>> => {
  const keys = records.map((r) => ({ collectionId: r.collectionId, recordId: r.recordId }));
  const highWater = await store.getHighWater(keys);
  // What the device holds is only needed where the version equals the mark (usually none: skip the reads).
  const sameVersion = keys.filter((_, i) => highWater[i] === records[i]!.version);
  const heldSame = sameVersion.length > 0 ? await store.getRecords(sameVersion) : [];
  const heldByKey = new Map(
    heldSame.map((r, i) => [`${sameVersion[i]!.collectionId}/${sameVersion[i]!.recordId}`, r]),
  );
  const refused: RefusedRecord[] = [];
  const admitted: AdmittedRecord[] = [];
  // A record may appear twice in one answer; the later copy must be newer than the earlier one.
  const seenInAnswer = new Map<string, number>();
  let unchanged = 0;
  for (const [i, record] of records.entries()) {
    const key = `${record.collectionId}/${record.recordId}`;
    const mark = Math.max(highWater[i] ?? 0, seenInAnswer.get(key) ?? 0);
    const stored = wireToStored(record);
    const refuse = (reason: RefusedRecord['reason']) => {
      refused.push({ ...keys[i]!, version: record.version, reason });
    };
    if (record.version < mark) {
      refuse('RolledBack');
      continue;
    }
    if (record.version === mark) {
      const mine = heldByKey.get(key);
      const identical =
        !seenInAnswer.has(key) &&
        mine !== undefined &&
        mine.version === record.version &&
        mine.deleted === stored.deleted &&
        sameBytes(mine.ciphertext, stored.ciphertext);
      if (identical) unchanged++;
      else refuse('RolledBack');
      continue;
    }
    seenInAnswer.set(key, record.version);
    if (stored.deleted) {
      admitted.push({ stored, doc: null });
    } else if (stored.ciphertext === null) {
      refuse('Unexpected');
    } else {
      const doc = openStoredDoc(
        cipher,
        codec,
        { ...keys[i]!, ciphertext: stored.ciphertext },
        record.version,
      );
      if (doc.ok) admitted.push({ stored, doc: doc.value });
      else refused.push(doc.error);
    }
  }
  return refused.length > 0 ? err(refused) : ok({ admitted, unchanged });
};
