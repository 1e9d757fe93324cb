import { describe, expect, it } from 'vitest';
import { createShownRecords } from './shown-records';

const shown = (collectionId: string, recordId: string, version = 1) => ({
  key: { collectionId, recordId },
  doc: { kind: 'tag', schemaVersion: 1, fields: {}, stamps: {} },
  version,
  opId: null,
});

describe('shown records', () => {
  it('keeps one record per collection and id, and counts them', () => {
    const records = createShownRecords();
    records.set(shown('a', '1'));
    records.set(shown('b', '1'));
    records.set(shown('a', '1', 2));
    records.set(shown('a', '2'));
    expect(records.size).toBe(3);
    expect(records.get({ collectionId: 'a', recordId: '1' })?.version).toBe(2);
    expect(records.get({ collectionId: 'c', recordId: '1' })).toBeUndefined();
    records.delete({ collectionId: 'b', recordId: '1' });
    records.delete({ collectionId: 'b', recordId: '9' });
    expect(records.size).toBe(2);
    expect(records.toArray().map((r) => [r.key.collectionId, r.key.recordId, r.version])).toEqual([
      ['a', '1', 2],
      ['a', '2', 1],
    ]);
    records.clear();
    expect(records.size).toBe(0);
    expect(records.toArray()).toEqual([]);
  });
});
