/**
 * @module The local snapshot's format: the records this device shows, already decrypted and validated, written as
 * a few large JSON pages sealed with AES-256-GCM (snapshot-cipher.ts), so a warm start opens a handful of pages
 * instead of one AEAD and one schema check per record. See: [Note: Local snapshot]
 *
 * [Note: Local snapshot]
 * After a sync (debounced) and on lock, the engine seals what it shows, each record with the identity of the rows
 * it came from (server version, pending op id), and the store's change counter (`localSeq`, see StoreChanges) at
 * that moment. A warm start opens the snapshot, then reads only the rows written after that counter, and
 * recomputes just those records (decrypting them as before). The snapshot is a cache, never a source of truth:
 * a snapshot that is missing, does not authenticate (tampered, truncated, mixed with another snapshot's pages,
 * another account's), is newer than the store, or was taken before rows were removed (`snapshotFloor`) is ignored,
 * every record is decrypted from the store as without one, and a new snapshot is written.
 * Its documents are not validated again by the kind schemas: they were validated when first admitted, and only a
 * holder of this account's master key can seal a page that opens. Nothing plaintext reaches the store.
 * Page i (of n) is sealed with associated data "halyon.local-snapshot.v1" 0x00 generation 0x00 i 0x00 n (decimal),
 * so pages cannot be reordered, dropped, or mixed between snapshots. Page 0 is the header.
 */
import type { RecordDoc } from './merge';
import type { SnapshotCipher } from './snapshot-cipher';
import type { RecordKey, SnapshotPage } from './sync-store';

/** A record as shown, with the identity of the store rows it was computed from. */
export interface ShownRecord {
  readonly key: RecordKey;
  readonly doc: RecordDoc;
  /** The stored server copy's version (0: none). */
  readonly version: number;
  /** The pending op merged into it, if any. */
  readonly opId: string | null;
}

export interface SnapshotContents {
  /** The store's change counter the snapshot reflects: rows stamped above it are newer. */
  readonly localSeq: number;
  readonly records: readonly ShownRecord[];
}

const FORMAT = 1;
const AD_LABEL = 'halyon.local-snapshot.v1';
/** Large enough that per-page costs vanish, small enough to stream through memory. */
export const SNAPSHOT_PAGE_CHARS = 4 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const associatedData = (generation: string, index: number, count: number) =>
  encoder.encode(`${AD_LABEL}\0${generation}\0${index}\0${count}`);

/**
 * One record: [collectionId, recordId, version, opId, kind, schemaVersion, fields, stamps]. Most of a record's
 * stamps are one value (the fields written together at creation), and they were half the bytes to parse, so
 * `stamps` is [common] when every field has the stamp `common`, [common, {field: stamp}] for the fields that
 * differ, or [null, stamps] when some field has no stamp.
 */
type Stamps = RecordDoc['stamps'];
type Row = [string, string, number, string | null, string, number, RecordDoc['fields'], CompactStamps];
type CompactStamps = [string] | [string, Stamps] | [null, Stamps];

const compactStamps = (fields: RecordDoc['fields'], stamps: Stamps): CompactStamps => {
  let common: string | undefined;
  const differing: Record<string, string> = {};
  let differ = false;
  for (const field of Object.keys(fields)) {
    const stamp = stamps[field];
    if (stamp === undefined) return [null, stamps];
    common ??= stamp;
    if (stamp !== common) {
      differing[field] = stamp;
      differ = true;
    }
  }
  for (const field of Object.keys(stamps)) {
    if (!(field in fields)) {
      differing[field] = stamps[field]!;
      differ = true;
    }
  }
  if (common === undefined) return [null, stamps];
  return differ ? [common, differing as Stamps] : [common];
};

const expandStamps = (fields: RecordDoc['fields'], [common, differing]: CompactStamps): Stamps => {
  if (common === null) return differing!;
  const stamps: Record<string, string> = {};
  for (const field in fields) stamps[field] = common;
  return (differing ? Object.assign(stamps, differing) : stamps) as Stamps;
};

const toRow = ({ key, doc, version, opId }: ShownRecord): Row => [
  key.collectionId,
  key.recordId,
  version,
  opId,
  doc.kind,
  doc.schemaVersion,
  doc.fields,
  compactStamps(doc.fields, doc.stamps),
];

const fromRow = ([
  collectionId,
  recordId,
  version,
  opId,
  kind,
  schemaVersion,
  fields,
  stamps,
]: Row): ShownRecord => ({
  key: { collectionId, recordId },
  doc: { kind, schemaVersion, fields, stamps: expandStamps(fields, stamps) },
  version,
  opId,
});

const randomGeneration = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

export const sealSnapshot = async (
  cipher: SnapshotCipher,
  contents: SnapshotContents,
  pageChars = SNAPSHOT_PAGE_CHARS,
): Promise<SnapshotPage[]> => {
  const bodies: string[] = [];
  let rows: string[] = [];
  let chars = 0;
  for (const record of contents.records) {
    const row = JSON.stringify(toRow(record));
    rows.push(row);
    chars += row.length + 1;
    if (chars >= pageChars) {
      bodies.push(`[${rows.join(',')}]`);
      rows = [];
      chars = 0;
    }
  }
  if (rows.length > 0) bodies.push(`[${rows.join(',')}]`);
  const header = JSON.stringify({
    format: FORMAT,
    localSeq: contents.localSeq,
    records: contents.records.length,
  });
  const plaintexts = [header, ...bodies];
  const generation = randomGeneration();
  return Promise.all(
    plaintexts.map(async (text, index) => ({
      index,
      generation,
      sealed: await cipher.seal(associatedData(generation, index, plaintexts.length), encoder.encode(text)),
    })),
  );
};

export interface SnapshotTimings {
  /** Spent opening pages (AES-GCM) and parsing them (JSON). */
  decryptMs: number;
  parseMs: number;
}

/** The snapshot's contents, or undefined when there is none or it does not open whole and well-formed. */
export const openSnapshot = async (
  cipher: SnapshotCipher,
  pages: readonly SnapshotPage[],
  timings?: SnapshotTimings,
): Promise<SnapshotContents | undefined> => {
  const generation = pages[0]?.generation;
  if (generation === undefined) return undefined;
  if (pages.some((page, i) => page.index !== i || page.generation !== generation)) return undefined;
  const started = performance.now();
  const opened = await Promise.all(
    pages.map((page) => cipher.open(associatedData(generation, page.index, pages.length), page.sealed)),
  );
  const decrypted = performance.now();
  if (timings) timings.decryptMs += decrypted - started;
  if (opened.some((plaintext) => plaintext === undefined)) return undefined;
  try {
    const [header, ...bodies] = opened as Uint8Array[];
    const {
      format,
      localSeq,
      records: count,
    } = JSON.parse(decoder.decode(header)) as Record<string, unknown>;
    if (format !== FORMAT || typeof localSeq !== 'number' || typeof count !== 'number') return undefined;
    const records: ShownRecord[] = [];
    for (const body of bodies)
      for (const row of JSON.parse(decoder.decode(body)) as Row[]) records.push(fromRow(row));
    if (records.length !== count) return undefined;
    return { localSeq, records };
  } catch {
    // Authenticated yet unreadable: written by a client with another format. Ignored like any other.
    return undefined;
  } finally {
    if (timings) timings.parseMs += performance.now() - decrypted;
  }
};
