/**
 * @module Field-by-field last-writer-wins merge of record documents. Every field carries the HLC stamp of the edit
 * that set it; merging keeps, per field, the value with the greater stamp. The merge is commutative, associative
 * and idempotent, so replicas that have seen the same edits hold the same document whatever the delivery order.
 * Deletion rules (trash is a field, delete forever is a tombstone) are in docs/sync-engine.md.
 */
import { err, ok, type Result } from '../result';
import { compareHlc, HLC_ZERO, type Hlc } from './hlc';

/** A decrypted record: its kind, the schema version of its fields, and per-field values with their stamps. */
export interface RecordDoc {
  readonly kind: string;
  readonly schemaVersion: number;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly stamps: Readonly<Record<string, Hlc>>;
}

export interface KindMismatch {
  readonly type: 'KindMismatch';
  readonly localKind: string;
  readonly remoteKind: string;
}

const stampOf = (doc: RecordDoc, field: string): Hlc => doc.stamps[field] ?? HLC_ZERO;

/**
 * Equal stamps with different values can only come from a bug or a forged edit; pick by a total order on the
 * encoded value anyway, so every replica still picks the same one.
 */
const pickOnTie = (a: unknown, b: unknown): unknown => {
  const ja = JSON.stringify(a) ?? '';
  const jb = JSON.stringify(b) ?? '';
  return ja >= jb ? a : b;
};

export const mergeDocs = (local: RecordDoc, remote: RecordDoc): Result<RecordDoc, KindMismatch> => {
  if (local.kind !== remote.kind) {
    return err({ type: 'KindMismatch', localKind: local.kind, remoteKind: remote.kind });
  }
  const fields: Record<string, unknown> = {};
  const stamps: Record<string, Hlc> = {};
  const names = new Set([...Object.keys(local.fields), ...Object.keys(remote.fields)]);
  for (const name of names) {
    const inLocal = Object.hasOwn(local.fields, name);
    const inRemote = Object.hasOwn(remote.fields, name);
    const order = compareHlc(stampOf(local, name), stampOf(remote, name));
    const winner = !inRemote ? local : !inLocal ? remote : order > 0 ? local : order < 0 ? remote : null;
    if (winner) {
      fields[name] = winner.fields[name];
      stamps[name] = stampOf(winner, name);
    } else {
      fields[name] = pickOnTie(local.fields[name], remote.fields[name]);
      stamps[name] = stampOf(local, name);
    }
  }
  return ok({
    kind: local.kind,
    schemaVersion: Math.max(local.schemaVersion, remote.schemaVersion),
    fields,
    stamps,
  });
};

/** Applies a local edit: every field in `patch` takes the new value and the edit's stamp. */
export const editDoc = (doc: RecordDoc, patch: Readonly<Record<string, unknown>>, stamp: Hlc): RecordDoc => {
  const fields = { ...doc.fields };
  const stamps = { ...doc.stamps };
  for (const [name, value] of Object.entries(patch)) {
    fields[name] = value;
    stamps[name] = stamp;
  }
  return { ...doc, fields, stamps };
};

/** A new document: every field stamped with the creating edit. */
export const createDoc = (
  kind: string,
  schemaVersion: number,
  fields: Readonly<Record<string, unknown>>,
  stamp: Hlc,
): RecordDoc => editDoc({ kind, schemaVersion, fields: {}, stamps: {} }, fields, stamp);

/** The greatest stamp in a document, so a device that reads it can move its clock past it. */
export const latestStamp = (doc: RecordDoc): Hlc => {
  let latest = HLC_ZERO;
  for (const stamp of Object.values(doc.stamps)) if (compareHlc(stamp, latest) > 0) latest = stamp;
  return latest;
};
