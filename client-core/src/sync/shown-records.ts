/**
 * @module The records an engine shows, by collection then record id: a warm start fills it with 100,000 records,
 * and one flat map keyed by "collection/record" made (and kept) a joined key string for each.
 */
import type { ShownRecord } from './snapshot';
import type { RecordKey } from './sync-store';

export interface ShownRecords {
  readonly size: number;
  get(key: RecordKey): ShownRecord | undefined;
  /** Stores `record` under its own key. */
  set(record: ShownRecord): void;
  delete(key: RecordKey): void;
  clear(): void;
  /** Every record, collection by collection, each in insertion order. */
  toArray(): ShownRecord[];
}

export const createShownRecords = (): ShownRecords => {
  const byCollection = new Map<string, Map<string, ShownRecord>>();
  let size = 0;
  return {
    get size() {
      return size;
    },
    get: (key) => byCollection.get(key.collectionId)?.get(key.recordId),
    set(record) {
      const { collectionId, recordId } = record.key;
      let records = byCollection.get(collectionId);
      if (!records) {
        records = new Map();
        byCollection.set(collectionId, records);
      }
      const before = records.size;
      records.set(recordId, record);
      size += records.size - before;
    },
    delete(key) {
      if (byCollection.get(key.collectionId)?.delete(key.recordId)) size--;
    },
    clear() {
      byCollection.clear();
      size = 0;
    },
    toArray() {
      const out: ShownRecord[] = [];
      for (const records of byCollection.values()) for (const record of records.values()) out.push(record);
      return out;
    },
  };
};
