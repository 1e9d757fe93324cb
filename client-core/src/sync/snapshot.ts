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
 * another account's), is of another format or packed under other field layouts (RecordCodec.packing), was written
 * for other record schema versions (its documents were never upgraded by this client's codec), is newer than the
 * store, or was taken before rows were removed (`snapshotFloor`) is ignored,
 * every record is decrypted from the store as without one, and a new snapshot is written.
 * Its documents are not validated again by the kind schemas: they were validated when first admitted, and only a
 * holder of this account's master key can seal a page that opens. Nothing plaintext reaches the store.
 * Page i (of n) is sealed with associated data "halyon.local-snapshot.v1" 0x00 generation 0x00 i 0x00 n (decimal),
 * so pages cannot be reordered, dropped, or mixed between snapshots. Page 0 is the header.
 */
import { HLC_ZERO, type Hlc, isHlc } from './hlc';
import type { RecordDoc } from './merge';
import type { FieldPacking } from './record-cipher';
import type { SnapshotCipher } from './snapshot-cipher';
import type { RecordKey, SnapshotPage, SnapshotPageRange } from './sync-store';

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
  /** The codec's schema (RecordCodec.schema) the documents have; another codec's snapshot is ignored. */
  readonly schema: string;
  readonly records: readonly ShownRecord[];
}

export interface OpenedSnapshot extends SnapshotContents {
  /** The latest HLC stamp of any record, so a warm start moves the clock past them all in one step. */
  readonly latestStamp: Hlc;
}

/**
 * 2: fields packed positionally where the codec has a layout for them (FieldPacking), and the header names the
 * layouts. A format-1 snapshot is ignored (every record opened once, as without one) and rewritten.
 */
const FORMAT = 2;
const AD_LABEL = 'halyon.local-snapshot.v1';
/**
 * 64 KiB: small enough that reading, opening and parsing pipeline (see openSnapshot) and that each page's text
 * and parse garbage die young; large enough that per-page costs (an AEAD call, a store row) stay small.
 */
export const SNAPSHOT_PAGE_CHARS = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Page `index` of `count` of snapshot `generation`: what its AEAD binds. */
export const snapshotAssociatedData = (generation: string, index: number, count: number) =>
  encoder.encode(`${AD_LABEL}\0${generation}\0${index}\0${count}`);

/**
 * A body page is {"c": [collection ids], "r": [8 values per record]}: collection index, record id, version, op id,
 * kind, schema version, fields (an object, or an array packed by the codec's FieldPacking), stamps. Flat, so
 * parsing makes no array per record beyond the packed fields. Most of a record's stamps
 * are one value (fields written together), and they were half the bytes, so `stamps` is that common stamp, or
 * [common, {field: stamp}] for the fields that differ, or [null, stamps] when some field has no stamp.
 */
type Stamps = RecordDoc['stamps'];
type CompactStamps = Hlc | [Hlc, Stamps] | [null, Stamps];
interface BodyPage {
  readonly c: string[];
  readonly r: unknown[];
}
const VALUES_PER_RECORD = 8;

const compactStamps = (fields: RecordDoc['fields'], stamps: Stamps): CompactStamps => {
  let common: Hlc | undefined;
  const differing: Record<string, Hlc> = {};
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
  return differ ? [common, differing] : common;
};

const expandStamps = (fields: RecordDoc['fields'], compact: CompactStamps): Stamps => {
  if (typeof compact === 'string') {
    const stamps: Record<string, Hlc> = {};
    for (const field in fields) stamps[field] = compact;
    return stamps;
  }
  const [common, differing] = compact;
  if (common === null) return differing;
  const stamps: Record<string, Hlc> = {};
  for (const field in fields) stamps[field] = common;
  return Object.assign(stamps, differing);
};

/** Serialises records into body pages of about `pageChars` characters; notes their latest stamp. */
const bodyPages = (records: readonly ShownRecord[], pageChars: number, packing: FieldPacking | undefined) => {
  const pages: string[] = [];
  let latestStamp = HLC_ZERO;
  let collections = new Map<string, number>();
  let values: string[] = [];
  let chars = 0;
  const flush = () => {
    pages.push(`{"c":${JSON.stringify([...collections.keys()])},"r":[${values.join(',')}]}`);
    collections = new Map();
    values = [];
    chars = 0;
  };
  for (const { key, doc, version, opId } of records) {
    for (const field in doc.stamps) if (doc.stamps[field]! > latestStamp) latestStamp = doc.stamps[field]!;
    let collection = collections.get(key.collectionId);
    if (collection === undefined) {
      collection = collections.size;
      collections.set(key.collectionId, collection);
    }
    const row = JSON.stringify([
      collection,
      key.recordId,
      version,
      opId,
      doc.kind,
      doc.schemaVersion,
      packing?.pack(doc.kind, doc.fields) ?? doc.fields,
      compactStamps(doc.fields, doc.stamps),
    ]).slice(1, -1);
    values.push(row);
    chars += row.length + 1;
    if (chars >= pageChars) flush();
  }
  if (values.length > 0) flush();
  return { pages, latestStamp };
};

const readBodyPage = (
  { c: collections, r: values }: BodyPage,
  into: ShownRecord[],
  packing: FieldPacking | undefined,
) => {
  if (values.length % VALUES_PER_RECORD !== 0) throw new Error('truncated snapshot page');
  for (let i = 0; i < values.length; i += VALUES_PER_RECORD) {
    const kind = values[i + 4] as string;
    const stored = values[i + 6];
    const packed = Array.isArray(stored) ? stored : undefined;
    const fields = packed ? packing?.unpack(kind, packed) : (stored as RecordDoc['fields']);
    if (fields === undefined) throw new Error('snapshot fields in a layout this client does not know');
    const compact = values[i + 7] as CompactStamps;
    into.push({
      key: { collectionId: collections[values[i] as number]!, recordId: values[i + 1] as string },
      doc: {
        kind,
        schemaVersion: values[i + 5] as number,
        fields,
        stamps:
          packed && typeof compact === 'string'
            ? packing!.stampAll(packed, compact)
            : expandStamps(fields, compact),
      },
      version: values[i + 2] as number,
      opId: values[i + 3] as string | null,
    });
  }
};

const randomGeneration = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

export const sealSnapshot = async (
  cipher: SnapshotCipher,
  contents: SnapshotContents,
  {
    pageChars = SNAPSHOT_PAGE_CHARS,
    packing,
  }: { readonly pageChars?: number; readonly packing?: FieldPacking } = {},
): Promise<SnapshotPage[]> => {
  const bodies = bodyPages(contents.records, pageChars, packing);
  const header = JSON.stringify({
    format: FORMAT,
    packing: packing?.name ?? null,
    localSeq: contents.localSeq,
    schema: contents.schema,
    records: contents.records.length,
    latestStamp: bodies.latestStamp,
  });
  const plaintexts = [header, ...bodies.pages];
  const generation = randomGeneration();
  return Promise.all(
    plaintexts.map(async (text, index) => ({
      index,
      generation,
      sealed: await cipher.seal(
        snapshotAssociatedData(generation, index, plaintexts.length),
        encoder.encode(text),
      ),
    })),
  );
};

export interface SnapshotTimings {
  /** Opening pages (AES-GCM), or waiting for them where the backend works off this thread. */
  decryptMs: number;
  /** Parsing them (JSON) into records. */
  parseMs: number;
}

/** Reads up to `limit` pages from index `from` (SyncStore.readSnapshotPages). */
export type SnapshotPageReader = (from: number, limit: number) => Promise<SnapshotPageRange>;

/** Pages per store read (about 1 MiB): the next read is on its way while these are opened and parsed. */
export const SNAPSHOT_PAGES_PER_READ = 16;

export interface SnapshotOpening {
  /** False when the store holds no snapshot at all. */
  readonly found: boolean;
  /** Undefined when there is none, or it does not open whole and well-formed. */
  readonly snapshot: OpenedSnapshot | undefined;
}

/**
 * Opens the snapshot range by range: while one range's pages are opened and parsed, the next range is read from
 * the store, and each range's pages are all handed to the cipher at once (WebCrypto opens them off this thread),
 * so reading, opening and parsing overlap. See: [Note: Local snapshot]
 */
export const openSnapshot = async (
  cipher: SnapshotCipher,
  read: SnapshotPageReader,
  timings: SnapshotTimings = { decryptMs: 0, parseMs: 0 },
  packing?: FieldPacking,
): Promise<SnapshotOpening> => {
  const first = await read(0, SNAPSHOT_PAGES_PER_READ);
  if (first.total === 0) return { found: false, snapshot: undefined };
  const total = first.total;
  const generation = first.pages[0]?.generation;
  const records: ShownRecord[] = [];
  let header: Record<string, unknown> | undefined;
  const pending: Promise<unknown>[] = [];
  const readFrom = (from: number) => {
    if (from >= total) return undefined;
    const range = read(from, SNAPSHOT_PAGES_PER_READ);
    pending.push(range);
    return range;
  };
  try {
    let range: SnapshotPageRange | undefined = first;
    for (let from = 0; range !== undefined; from += SNAPSHOT_PAGES_PER_READ) {
      const { pages } = range;
      const expected = Math.min(SNAPSHOT_PAGES_PER_READ, total - from);
      // A range from another snapshot (rewritten between reads) is refused here or by the AEAD.
      if (range.total !== total || pages.length !== expected) return { found: true, snapshot: undefined };
      if (pages.some((page, i) => page.index !== from + i || page.generation !== generation)) {
        return { found: true, snapshot: undefined };
      }
      const next = readFrom(from + SNAPSHOT_PAGES_PER_READ);
      // (A backend that opens on this thread, as node:crypto does, does its work in this map.)
      const started = performance.now();
      const opening = pages.map((page) =>
        cipher.open(snapshotAssociatedData(generation!, page.index, total), page.sealed),
      );
      pending.push(...opening);
      timings.decryptMs += performance.now() - started;
      for (const [i, page] of opening.entries()) {
        const waited = performance.now();
        const plaintext = await page;
        const opened = performance.now();
        timings.decryptMs += opened - waited;
        if (plaintext === undefined) return { found: true, snapshot: undefined };
        const json = JSON.parse(decoder.decode(plaintext)) as unknown;
        if (from + i === 0) {
          header = json as Record<string, unknown>;
          // Another format, or fields packed under other layouts: ignored before its pages are read.
          if (header.format !== FORMAT || header.packing !== (packing?.name ?? null)) {
            return { found: true, snapshot: undefined };
          }
        } else readBodyPage(json as BodyPage, records, packing);
        timings.parseMs += performance.now() - opened;
      }
      range = next === undefined ? undefined : await next;
    }
  } catch {
    // Authenticated yet unreadable: written by a client with another format. Ignored like any other.
    return { found: true, snapshot: undefined };
  } finally {
    // Reads and pages left unopened after a failure must not reject unobserved.
    for (const promise of pending) void promise.catch(() => undefined);
  }
  const { format, localSeq, schema, records: count, latestStamp } = header ?? {};
  if (
    format !== FORMAT ||
    typeof localSeq !== 'number' ||
    typeof schema !== 'string' ||
    count !== records.length ||
    !isHlc(latestStamp)
  ) {
    return { found: true, snapshot: undefined };
  }
  return { found: true, snapshot: { localSeq, schema, records, latestStamp } };
};
