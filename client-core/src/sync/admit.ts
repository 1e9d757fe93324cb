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
  const { collectionId, recordId } = record;
  const plaintext = cipher.open({ collectionId, recordId, version }, record.ciphertext);
  if (!plaintext.ok) return err({ collectionId, recordId, version, reason: plaintext.error.type });
  const doc = codec.decode(plaintext.value);
  return doc.ok ? ok(doc.value) : err({ collectionId, recordId, version, reason: 'InvalidRecord' });
};

const keyString = (record: WireRecord) => `${record.collectionId}/${record.recordId}`;

export const admitRemote = async (
  store: SyncStore,
  cipher: RecordCipher,
  codec: RecordCodec,
  records: readonly WireRecord[],
): Promise<Result<Admission, readonly RefusedRecord[]>> => {
  const highWater = await store.getHighWater(records);
  // What the device holds is only needed where the version equals the mark (usually none: skip the reads).
  const sameVersion = records.filter((record, i) => highWater[i] === record.version);
  const heldSame = sameVersion.length > 0 ? await store.getRecords(sameVersion) : [];
  const heldByKey = new Map(heldSame.map((held, i) => [keyString(sameVersion[i]!), held]));
  const refused: RefusedRecord[] = [];
  const admitted: AdmittedRecord[] = [];
  // A record may appear twice in one answer; the later copy must be newer than the earlier one.
  const seenInAnswer = new Map<string, number>();
  let unchanged = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const { collectionId, recordId, version } = record;
    const key = keyString(record);
    const seenVersion = seenInAnswer.get(key);
    const mark = Math.max(highWater[i] ?? 0, seenVersion ?? 0);
    if (version < mark) {
      refused.push({ collectionId, recordId, version, reason: 'RolledBack' });
      continue;
    }
    const stored = wireToStored(record);
    if (version === mark) {
      const mine = heldByKey.get(key);
      const identical =
        seenVersion === undefined &&
        mine !== undefined &&
        mine.version === version &&
        mine.deleted === stored.deleted &&
        sameBytes(mine.ciphertext, stored.ciphertext);
      if (identical) unchanged++;
      else refused.push({ collectionId, recordId, version, reason: 'RolledBack' });
      continue;
    }
    seenInAnswer.set(key, version);
    if (stored.deleted) {
      admitted.push({ stored, doc: null });
    } else if (stored.ciphertext === null) {
      refused.push({ collectionId, recordId, version, reason: 'Unexpected' });
    } else {
      const doc = openStoredDoc(
        cipher,
        codec,
        { collectionId, recordId, ciphertext: stored.ciphertext },
        version,
      );
      if (doc.ok) admitted.push({ stored, doc: doc.value });
      else refused.push(doc.error);
    }
  }
  return refused.length > 0 ? err(refused) : ok({ admitted, unchanged });
};
