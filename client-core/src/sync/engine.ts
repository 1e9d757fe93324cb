/**
 * @module The sync engine: local writes into the sealed outbox, then push (compare-and-set per record, conflicts
 * merged and re-sealed), pull (per-collection cursors, pages until hasMore is false) and reconcile (after 410).
 * It depends on interfaces only (SyncStore, Transport, RecordCipher, RecordCodec); scheduling, backoff and live
 * updates are in runner.ts. Deletion and merge rules: docs/sync-engine.md.
 */
import type { Membership, PullResponse, PushOp, PushResult, WireRecord } from '@halyon/protocol';
import { err, ok, type Result } from '../result';
import { type AdmittedRecord, admitRemote, openStoredDoc } from './admit';
import { bytesToBase64 } from './base64';
import type { SyncError } from './errors';
import { compareHlc, HLC_ZERO, type Hlc } from './hlc';
import { latestStamp, mergeDocs, type RecordDoc } from './merge';
import type { RecordCipher, RecordCodec } from './record-cipher';
import { createShownRecords, type ShownRecords } from './shown-records';
import { openSnapshot, type SnapshotTimings, sealSnapshot } from './snapshot';
import type { SnapshotCipher } from './snapshot-cipher';
import type { OutboxOp, RecordKey, StoreChanges, StoredRecord, SyncStore } from './sync-store';
import { isSamePullHead, type PullHead, type Transport, type TransportResult } from './transport';

/** A pull on its way, and the next one asked for from its head (see [Note: Pulling ahead]). */
interface PullPage {
  readonly cursors: Record<string, number>;
  readonly answer: TransportResult<PullResponse>;
  /** The head of the page before this one that this page was asked from, when asked ahead. */
  readonly from: PullHead | undefined;
  ahead(): PullPage | undefined;
  /** The loop has reached this page: it may ask for its next. */
  arm(): void;
}

export interface SyncEngineDeps {
  readonly store: SyncStore;
  readonly transport: Transport;
  readonly cipher: RecordCipher;
  readonly codec: RecordCodec;
  readonly newOpId: () => string;
  readonly now: () => number;
  /** Seals the local snapshot warm starts read; without it every warm start opens each record. */
  readonly snapshotCipher?: SnapshotCipher;
  /** How long after a sync that changed something the snapshot is written (debounced). */
  readonly snapshotDelayMs?: number;
}

/** How the last warm start went, for diagnostics and the benchmark. */
export interface LoadReport {
  readonly snapshot: 'none' | 'used' | 'ignored';
  /** Records opened one by one (all of them without a snapshot, else those changed after it). */
  readonly recordsOpened: number;
  readonly snapshotDecryptMs: number;
  readonly snapshotParseMs: number;
  /** The latest HLC stamp among the records loaded: the clock moves past it once, not once per record. */
  readonly latestStamp: Hlc;
}

/** A record as the UI should now show it: the server's version merged with any pending local edit. */
export interface DocChange {
  readonly key: RecordKey;
  /** null: gone (deleted forever, or purged). */
  readonly doc: RecordDoc | null;
}

export type SyncEvent =
  | { readonly type: 'changes'; readonly changes: readonly DocChange[] }
  | { readonly type: 'progress'; readonly phase: 'push' | 'pull' | 'reconcile'; readonly done: number }
  | { readonly type: 'opParked'; readonly key: RecordKey; readonly code: string; readonly message: string }
  /** A local edit lost to a delete-forever made elsewhere (the documented rule: the tombstone wins). */
  | { readonly type: 'superseded'; readonly key: RecordKey }
  /** Local edits were queued (other tabs re-read them; the runner syncs soon). */
  | { readonly type: 'localWrite'; readonly keys: readonly RecordKey[] };

export const DELETE_FOREVER = Symbol('delete forever');

export interface LocalWrite {
  readonly key: RecordKey;
  /** Returns the new document, DELETE_FOREVER, or undefined for no change. */
  readonly apply: (current: RecordDoc | null) => RecordDoc | typeof DELETE_FOREVER | undefined;
  readonly blobIds?: readonly string[];
}

export interface SyncReport {
  readonly pushed: number;
  readonly pulled: number;
  readonly outboxLeft: number;
}

/** Conservative defaults until GET /v1/info has been read. */
const DEFAULT_LIMITS = {
  maxOpsPerPush: 500,
  maxBodyBytes: 8 * 1024 * 1024,
  pullMaxLimit: 1000,
  reconcileMaxKnown: 500,
};

export const recordKeyString = (key: RecordKey): string => `${key.collectionId}/${key.recordId}`;

const keyOf = (key: RecordKey): RecordKey => ({ collectionId: key.collectionId, recordId: key.recordId });

const toWireOp = (op: OutboxOp): PushOp =>
  op.ciphertext === null
    ? {
        opId: op.opId,
        collectionId: op.collectionId,
        recordId: op.recordId,
        baseVersion: op.baseVersion,
        delete: true,
      }
    : {
        opId: op.opId,
        collectionId: op.collectionId,
        recordId: op.recordId,
        baseVersion: op.baseVersion,
        ciphertext: bytesToBase64(op.ciphertext),
        blobIds: [...op.blobIds],
      };

const wireOpBytes = (op: OutboxOp): number => 200 + Math.ceil(((op.ciphertext?.length ?? 0) * 4) / 3);

/** Changed records after which the snapshot is rewritten (debounced); fewer wait for lock. */
const SNAPSHOT_AFTER_CHANGES = 1000;

/** Pushes in flight at once: the next batch travels while the server applies the previous one. */
const PUSHES_IN_FLIGHT = 2;

export const createSyncEngine = (deps: SyncEngineDeps) => {
  const { store, transport, cipher, codec } = deps;
  const listeners = new Set<(event: SyncEvent) => void>();
  const emit = (event: SyncEvent) => {
    for (const listener of listeners) listener(event);
  };
  let limits = DEFAULT_LIMITS;
  let limitsRead = false;
  let knownEpoch: string | null | undefined;

  // One mutation of local state at a time: local writes and the application of server answers interleave only
  // between, never inside, these sections. Network calls happen outside.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(section: () => Promise<T>): Promise<T> => {
    const run = tail.then(section);
    tail = run.catch(() => undefined);
    return run;
  };

  const checkEpoch = async (epoch: string): Promise<Result<void, SyncError>> => {
    if (knownEpoch === undefined) knownEpoch = await store.getServerEpoch();
    if (knownEpoch === null) {
      await store.setServerEpoch(epoch);
      knownEpoch = epoch;
    }
    return knownEpoch === epoch
      ? ok(undefined)
      : err({ type: 'ServerEpochChanged', expected: knownEpoch, received: epoch });
  };

  /** Our own pending op, decrypted: it was sealed by us for baseVersion + 1. Failing to open it is a bug. */
  const openOwnOp = (op: OutboxOp): RecordDoc | null => {
    if (op.ciphertext === null) return null;
    const doc = openStoredDoc(cipher, codec, { ...op, ciphertext: op.ciphertext }, op.baseVersion + 1);
    if (!doc.ok) throw new Error(`outbox op ${op.opId} does not open: ${doc.error.reason}`);
    return doc.value;
  };

  const mergeOrThrow = (a: RecordDoc, b: RecordDoc): RecordDoc => {
    const merged = mergeDocs(a, b);
    if (!merged.ok)
      throw new Error(`record changed kind: ${merged.error.localKind} -> ${merged.error.remoteKind}`);
    return merged.value;
  };

  /** What the UI shows for a record: the server's copy merged with our pending edit (pending delete: gone). */
  const visibleDoc = (remote: RecordDoc | null, pending: OutboxOp | undefined): RecordDoc | null => {
    if (!pending) return remote;
    const mine = openOwnOp(pending);
    if (mine === null) return null;
    return remote === null ? mine : mergeOrThrow(remote, mine);
  };

  const openStoredOrThrow = (record: StoredRecord): RecordDoc | null => {
    if (record.deleted || record.ciphertext === null) return null;
    const doc = openStoredDoc(cipher, codec, { ...record, ciphertext: record.ciphertext }, record.version);
    if (!doc.ok)
      throw new Error(`stored record ${recordKeyString(record)} no longer opens: ${doc.error.reason}`);
    return doc.value;
  };

  /** What the UI shows for a record, from its two rows: a tombstone or a pending delete shows nothing. */
  const docOfRows = (record: StoredRecord | undefined, op: OutboxOp | undefined): RecordDoc | null => {
    if (record?.deleted || op?.ciphertext === null) return null;
    return visibleDoc(record ? openStoredOrThrow(record) : null, op);
  };

  // -------------------------------------------------------------------------------------------------------------
  // The local snapshot. See: [Note: Local snapshot]

  const snapshotCipher = deps.snapshotCipher;
  /** What this engine shows, with the rows each record came from; null while snapshots are off or closed. */
  let shown: ShownRecords | null = null;
  /** `shown` agrees with every store row stamped at or below this. */
  let shownSeq = 0;
  /** Records changed since the last snapshot written (Infinity: there is no sound one). */
  let unsnapshotted = 0;
  let snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sync rounds running: a scheduled snapshot waits for them (each schedules again when it ends). */
  let syncing = 0;
  let snapshotWrite: Promise<void> = Promise.resolve();
  let lastLoad: LoadReport | undefined;

  const remember = (key: RecordKey, doc: RecordDoc | null, version: number, opId: string | null) => {
    if (!shown) return;
    if (doc) shown.set({ key: keyOf(key), doc, version, opId });
    else shown.delete(key);
    unsnapshotted++;
  };

  /** The shown record now rests on other rows with the same content (an op renamed or confirmed). */
  const rebase = (key: RecordKey, sentOpId: string, version: number, opId: string | null) => {
    const held = shown?.get(key);
    if (!held || !shown) return;
    const pendingOpId = held.opId === sentOpId ? opId : held.opId;
    shown.set({ ...held, version, opId: pendingOpId });
    unsnapshotted++;
  };

  /**
   * Brings `records` up to date with rows written after the point `changes` was read from: a record whose rows
   * are not the ones it was computed from is opened again. Returns what changed.
   */
  const applyStoreChanges = (records: ShownRecords, changes: StoreChanges): DocChange[] => {
    const rowsByKey = new Map<string, { record?: StoredRecord; op?: OutboxOp }>();
    for (const record of changes.records) rowsByKey.set(recordKeyString(record), { record });
    for (const op of changes.outbox) {
      const k = recordKeyString(op);
      rowsByKey.set(k, { ...rowsByKey.get(k), op });
    }
    const changed: DocChange[] = [];
    for (const { record, op } of rowsByKey.values()) {
      const version = record?.version ?? 0;
      const opId = op?.opId ?? null;
      const key = keyOf((record ?? op)!);
      const held = records.get(key);
      if (held && held.version === version && held.opId === opId) continue;
      const doc = docOfRows(record, op);
      if (doc) records.set({ key, doc, version, opId });
      else if (held) records.delete(key);
      else continue;
      changed.push({ key, doc });
    }
    return changed;
  };

  /** Seals what this engine shows as the new snapshot, if it changed. A cache: failing is never fatal. */
  const writeSnapshot = (): Promise<void> => {
    snapshotWrite = snapshotWrite.then(async () => {
      if (!snapshotCipher || !shown || unsnapshotted === 0) return;
      try {
        const contents = await exclusive(async () => {
          if (!shown) return undefined;
          // Another tab sharing the store may have written meanwhile: take its rows in first.
          const changes = await store.readChangesSince(shownSeq);
          applyStoreChanges(shown, changes);
          shownSeq = changes.localSeq;
          unsnapshotted = 0;
          return { localSeq: changes.localSeq, schema: codec.schema ?? '', records: shown.toArray() };
        });
        if (contents)
          await store.putSnapshotPages(
            await sealSnapshot(snapshotCipher, contents, { packing: codec.packing }),
          );
      } catch {
        // E.g. the store closed under us; the next warm start ignores what is there and rebuilds it.
        unsnapshotted = Number.POSITIVE_INFINITY;
      }
    });
    return snapshotWrite;
  };

  /**
   * A snapshot is rewritten whole, so a few changes wait for more (or for lock): a warm start opens them one by
   * one, which costs less than sealing every record again after each small sync.
   */
  const scheduleSnapshot = () => {
    if (!snapshotCipher || !shown || unsnapshotted < SNAPSHOT_AFTER_CHANGES) return;
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(() => {
      if (syncing === 0) void writeSnapshot();
    }, deps.snapshotDelayMs ?? 2000);
    // A pending snapshot must not keep a Node process (the CLI, a test) alive.
    (snapshotTimer as { unref?: () => void }).unref?.();
  };

  /** Stores admitted records (with cursors) and tells listeners what the UI should now show. */
  const applyAdmitted = async (
    admitted: readonly AdmittedRecord[],
    cursors: Readonly<Record<string, number>>,
  ) => {
    await store.applyRemote(
      admitted.map((a) => a.stored),
      cursors,
    );
    if (admitted.length === 0) return;
    const pending =
      (await store.countOutbox()) === 0 ? [] : await store.getOutbox(admitted.map((a) => a.stored));
    const changes = admitted.map(({ stored, doc }, i) => {
      const key = keyOf(stored);
      const visible = stored.deleted ? null : visibleDoc(doc, pending[i]);
      remember(key, visible, stored.version, pending[i]?.opId ?? null);
      return { key, doc: visible };
    });
    emit({ type: 'changes', changes });
  };

  const readLimits = async (): Promise<Result<void, SyncError>> => {
    if (limitsRead) return ok(undefined);
    const info = await transport.info();
    if (!info.ok) return err({ type: 'Transport', error: info.error });
    const epoch = await checkEpoch(info.value.epoch);
    if (!epoch.ok) return epoch;
    limits = info.value.limits;
    limitsRead = true;
    return ok(undefined);
  };

  // -------------------------------------------------------------------------------------------------------------
  // Local writes

  /**
   * Applies local edits at once: each is merged with what the device holds, sealed for the record's next version
   * and queued. Returns what the UI should now show. Records deleted forever are left alone (see docs).
   */
  const write = (writes: readonly LocalWrite[]): Promise<readonly DocChange[]> =>
    exclusive(async () => {
      const keys = writes.map((w) => w.key);
      const [held, pending] = await Promise.all([store.getRecords(keys), store.getOutbox(keys)]);
      const queued: OutboxOp[] = [];
      const changes: DocChange[] = [];
      const queuedAt = deps.now();
      writes.forEach((write, i) => {
        const record = held[i];
        const op = pending[i];
        if (record?.deleted || (op && op.ciphertext === null)) return;
        const current = visibleDoc(record ? openStoredOrThrow(record) : null, op);
        const next = write.apply(current);
        if (next === undefined) return;
        const baseVersion = record?.version ?? 0;
        const context = { ...write.key, version: baseVersion + 1 };
        const opId = deps.newOpId();
        queued.push({
          ...write.key,
          opId,
          baseVersion,
          ciphertext: next === DELETE_FOREVER ? null : cipher.seal(context, codec.encode(next)),
          blobIds: write.blobIds ?? op?.blobIds ?? record?.blobIds ?? [],
          queuedAt: op?.queuedAt ?? queuedAt,
          parked: null,
        });
        const doc = next === DELETE_FOREVER ? null : next;
        changes.push({ key: write.key, doc });
        remember(write.key, doc, baseVersion, opId);
      });
      await store.putOutboxMany(queued);
      if (queued.length > 0) emit({ type: 'localWrite', keys: queued.map(keyOf) });
      return changes;
    });

  /**
   * Every record as the UI should show it (the warm start): the snapshot, if there is a sound one, and the records
   * written after it opened one by one; without one, every record opened one by one. See: [Note: Local snapshot]
   */
  const load = async (): Promise<ShownRecords> => {
    const timings: SnapshotTimings = { decryptMs: 0, parseMs: 0 };
    const opening = snapshotCipher
      ? await openSnapshot(
          snapshotCipher,
          (from, limit) => store.readSnapshotPages(from, limit),
          timings,
          codec.packing,
        )
      : undefined;
    const snapshot = opening?.snapshot;
    let changes = await store.readChangesSince(snapshot?.localSeq ?? 0);
    const sound =
      snapshot !== undefined &&
      snapshot.schema === (codec.schema ?? '') &&
      snapshot.localSeq >= changes.snapshotFloor &&
      snapshot.localSeq <= changes.localSeq;
    if (snapshot && !sound) changes = await store.readChangesSince(0);
    const records = createShownRecords();
    if (sound) for (const record of snapshot.records) records.set(record);
    const changed = applyStoreChanges(records, changes);
    const opened = changed.length;
    let latest = sound ? snapshot.latestStamp : HLC_ZERO;
    for (const { doc } of changed) {
      const stamp = doc ? latestStamp(doc) : HLC_ZERO;
      if (compareHlc(stamp, latest) > 0) latest = stamp;
    }
    lastLoad = {
      snapshot: sound ? 'used' : opening?.found ? 'ignored' : 'none',
      recordsOpened: opened,
      snapshotDecryptMs: timings.decryptMs,
      snapshotParseMs: timings.parseMs,
      latestStamp: latest,
    };
    if (snapshotCipher) {
      shown = records;
      shownSeq = changes.localSeq;
      // A missing or unsound snapshot is rebuilt soon; one behind is rewritten after the next sync (which follows
      // a start) if enough changed, else on lock.
      unsnapshotted = sound ? opened : Number.POSITIVE_INFINITY;
      if (!sound) scheduleSnapshot();
    }
    return records;
  };

  /** The warm start: every record shown (see `load`), as one list. */
  const loadShownDocs = async (): Promise<readonly DocChange[]> => (await load()).toArray();

  // -------------------------------------------------------------------------------------------------------------
  // Push

  /** The oldest ops within the push limits, leaving out records whose op is already in flight. */
  const takeBatch = async (inFlight: ReadonlySet<string>): Promise<readonly OutboxOp[]> => {
    const candidates = await store.takeOutbox(limits.maxOpsPerPush + inFlight.size);
    const budget = limits.maxBodyBytes * 0.9;
    let bytes = 0;
    const batch: OutboxOp[] = [];
    for (const op of candidates) {
      if (inFlight.has(recordKeyString(op))) continue;
      if (batch.length === limits.maxOpsPerPush) break;
      bytes += wireOpBytes(op);
      if (batch.length > 0 && bytes > budget) break;
      batch.push(op);
    }
    return batch;
  };

  /** The server's record differs from our base: merge our edit into it and queue it again on its version. */
  const resolveConflict = async (op: OutboxOp, current: WireRecord): Promise<Result<void, SyncError>> => {
    if (current.collectionId !== op.collectionId || current.recordId !== op.recordId) {
      return err({ type: 'InvalidPushResults', reason: `conflict for ${op.opId} carries another record` });
    }
    const admission = await admitRemote(store, cipher, codec, [current]);
    if (!admission.ok) return err({ type: 'RecordsRefused', records: admission.error });
    const theirs = admission.value.admitted[0];
    // Unchanged: the conflict names the very version we hold, which is newer than our base: we only need to rebase.
    const theirDoc = theirs ? theirs.doc : openStoredOrThrow((await store.getRecords([op]))[0]!);
    if (theirs) await store.applyRemote([theirs.stored], {});
    let next: OutboxOp | null;
    if (current.deleted) {
      next = null;
      if (op.ciphertext !== null) emit({ type: 'superseded', key: keyOf(op) });
    } else if (op.ciphertext === null) {
      next = { ...op, opId: deps.newOpId(), baseVersion: current.version };
    } else {
      const merged = mergeOrThrow(theirDoc!, openOwnOp(op)!);
      const context = { collectionId: op.collectionId, recordId: op.recordId, version: current.version + 1 };
      next = {
        ...op,
        opId: deps.newOpId(),
        baseVersion: current.version,
        ciphertext: cipher.seal(context, codec.encode(merged)),
        blobIds: codec.blobIdsOf?.(merged) ?? op.blobIds,
      };
    }
    const replaced = await store.replaceOutbox(op.opId, op, next);
    // If a newer local edit replaced the op meanwhile, it conflicts on its own next round and merges then.
    const [pending] = await store.getOutbox([op]);
    if (replaced || theirs) {
      const doc = current.deleted ? null : visibleDoc(theirDoc, pending);
      remember(op, doc, current.version, pending?.opId ?? null);
      emit({ type: 'changes', changes: [{ key: keyOf(op), doc }] });
    }
    return ok(undefined);
  };

  /** Conflicts and rejections, one op at a time (they are rare); applied ops are confirmed in bulk by pushAll. */
  const handleUnapplied = async (
    op: OutboxOp,
    result: Exclude<PushResult, { status: 'applied' }>,
  ): Promise<Result<boolean, SyncError>> => {
    if (result.status === 'conflict') {
      const resolved = await resolveConflict(op, result.current);
      return resolved.ok ? ok(true) : resolved;
    }
    if (result.code === 'group_aborted') return ok(false);
    if (result.code === 'record_not_found' && op.ciphertext === null) {
      // Deleting what the server does not have (e.g. after adopting a restored server): already done.
      await store.replaceOutbox(op.opId, op, null);
      return ok(true);
    }
    if (result.code === 'duplicate_op') {
      const opId = deps.newOpId();
      if (await store.replaceOutbox(op.opId, op, { ...op, opId })) {
        rebase(op, op.opId, shown?.get(op)?.version ?? op.baseVersion, opId);
      }
      return ok(true);
    }
    // Kept, never dropped: the user's data waits until the cause is fixed and `retryParked` is called.
    await store.replaceOutbox(op.opId, op, { ...op, parked: { code: result.code, message: result.message } });
    emit({ type: 'opParked', key: keyOf(op), code: result.code, message: result.message });
    return ok(true);
  };

  /** Takes the server's answer to one batch in: applied ops confirmed in bulk, the others one by one. */
  const settlePush = async (
    batch: readonly OutboxOp[],
    response: Awaited<ReturnType<Transport['push']>>,
  ): Promise<Result<{ applied: number; progressed: boolean }, SyncError>> => {
    if (!response.ok) return err({ type: 'Transport', error: response.error });
    const epoch = await checkEpoch(response.value.epoch);
    if (!epoch.ok) return epoch;
    const results = new Map(response.value.results.map((r) => [r.opId, r]));
    if (results.size !== batch.length || batch.some((op) => !results.has(op.opId))) {
      return err({ type: 'InvalidPushResults', reason: 'results do not answer the ops sent' });
    }
    const applied: Array<{ op: OutboxOp; version: number; seq: number }> = [];
    for (const op of batch) {
      const result = results.get(op.opId)!;
      if (result.status !== 'applied') continue;
      if (result.version !== op.baseVersion + 1) {
        return err({
          type: 'InvalidPushResults',
          reason: `op ${op.opId} applied at an impossible version`,
        });
      }
      applied.push({ op, version: result.version, seq: result.seq });
    }
    let progressed = applied.length > 0;
    const handled = await exclusive(async () => {
      await store.confirmApplied(applied, deps.now());
      for (const { op, version } of applied) rebase(op, op.opId, version, null);
      for (const op of batch) {
        const result = results.get(op.opId)!;
        if (result.status === 'applied') continue;
        const outcome = await handleUnapplied(op, result);
        if (!outcome.ok) return outcome;
        if (outcome.value) progressed = true;
      }
      return ok(undefined);
    });
    return handled.ok ? ok({ applied: applied.length, progressed }) : handled;
  };

  /**
   * Pushes the outbox, oldest first, with up to PUSHES_IN_FLIGHT batches on the way at once: batches hold
   * different records (one op per record), so the order between them is free, and the next one travels while
   * the server applies the previous one.
   */
  const pushAll = async (): Promise<Result<number, SyncError>> => {
    const queued = await store.countOutbox();
    // Each op can conflict a few times under heavy concurrent editing; a server that answers "conflict" forever
    // must not keep us here, so the batches are bounded and the rest waits for the next sync.
    const maxBatches = Math.ceil(queued / limits.maxOpsPerPush) * 3 + 5;
    const inFlight: Array<{ batch: readonly OutboxOp[]; response: ReturnType<Transport['push']> }> = [];
    let sent = 0;
    let pushed = 0;
    let stalled = false;
    for (;;) {
      while (!stalled && inFlight.length < PUSHES_IN_FLIGHT && sent < maxBatches) {
        const busy = new Set(inFlight.flatMap(({ batch }) => batch.map(recordKeyString)));
        const batch = await takeBatch(busy);
        if (batch.length === 0) break;
        inFlight.push({ batch, response: transport.push({ ops: batch.map(toWireOp) }) });
        sent++;
      }
      const oldest = inFlight.shift();
      if (!oldest) return ok(pushed);
      const settled = await settlePush(oldest.batch, await oldest.response);
      if (!settled.ok) {
        // Ops of a batch still on the way stay queued; if the server applied them, the retry is acknowledged.
        for (const { response } of inFlight) void response.catch(() => undefined);
        return settled;
      }
      pushed += settled.value.applied;
      emit({ type: 'progress', phase: 'push', done: pushed });
      if (!settled.value.progressed) stalled = true;
    }
  };

  // -------------------------------------------------------------------------------------------------------------
  // Memberships, pull and reconcile

  const refreshMemberships = async (): Promise<Result<readonly Membership[], SyncError>> => {
    const since = await store.getMembershipCursor();
    const listed = await transport.listCollections(since);
    if (!listed.ok) return err({ type: 'Transport', error: listed.error });
    const epoch = await checkEpoch(listed.value.epoch);
    if (!epoch.ok) return epoch;
    await store.applyMemberships(listed.value.cursor, listed.value.upserted, listed.value.removed);
    return ok(await store.listMemberships());
  };

  /** Brings one collection back in step after its cursor expired: page through (id, version) manifests. */
  const reconcile = async (collectionId: string): Promise<Result<number, SyncError>> => {
    const manifest = await store.listManifest(collectionId);
    const pageSize = limits.reconcileMaxKnown;
    const pages: Array<{ after: string | null; until: string | null; known: typeof manifest }> = [];
    for (let i = 0; i === 0 || i < manifest.length; i += pageSize) {
      const known = manifest.slice(i, i + pageSize);
      const last = i + pageSize >= manifest.length;
      pages.push({
        after: i === 0 ? null : manifest[i - 1]!.recordId,
        until: last ? null : known.at(-1)!.recordId,
        known,
      });
    }
    let resumeSeq = Number.POSITIVE_INFINITY;
    let received = 0;
    for (const page of pages) {
      let after = page.after;
      for (;;) {
        const known = page.known.filter((k) => after === null || k.recordId > after);
        const answer = await transport.reconcile({
          collectionId,
          after,
          until: page.until,
          known: [...known],
        });
        if (!answer.ok) return err({ type: 'Transport', error: answer.error });
        const epoch = await checkEpoch(answer.value.epoch);
        if (!epoch.ok) return epoch;
        const inRange = (id: string) =>
          (after === null || id > after) && (page.until === null || id <= page.until);
        if (answer.value.changed.some((r) => r.collectionId !== collectionId || !inRange(r.recordId))) {
          return err({
            type: 'InvalidPushResults',
            reason: 'reconcile answered records outside the range asked',
          });
        }
        resumeSeq = Math.min(resumeSeq, answer.value.seq);
        const applied = await exclusive(async () => {
          const admission = await admitRemote(store, cipher, codec, answer.value.changed);
          if (!admission.ok) return err<SyncError>({ type: 'RecordsRefused', records: admission.error });
          await applyAdmitted(admission.value.admitted, {});
          const missing = answer.value.missing.filter((id) => known.some((k) => k.recordId === id));
          await store.dropRecords(collectionId, missing);
          for (const recordId of missing) remember({ collectionId, recordId }, null, 0, null);
          if (missing.length > 0) {
            emit({
              type: 'changes',
              changes: missing.map((recordId) => ({ key: { collectionId, recordId }, doc: null })),
            });
          }
          return ok(admission.value.admitted.length);
        });
        if (!applied.ok) return applied;
        received += applied.value;
        emit({ type: 'progress', phase: 'reconcile', done: received });
        if (!answer.value.hasMore || answer.value.resumeAfter === null) break;
        after = answer.value.resumeAfter;
      }
    }
    await store.setCursor(collectionId, resumeSeq);
    return ok(received);
  };

  /** The epoch, cursors that never go backwards, and changes in seq order within them: the cursors moved to. */
  const checkPullAnswer = async (
    cursors: Readonly<Record<string, number>>,
    answer: PullResponse,
  ): Promise<Result<Record<string, number>, SyncError>> => {
    const epoch = await checkEpoch(answer.epoch);
    if (!epoch.ok) return epoch;
    const nextCursors: Record<string, number> = {};
    for (const [collectionId, seq] of Object.entries(answer.cursors)) {
      const sent = cursors[collectionId];
      if (sent === undefined) continue;
      if (seq < sent) return err({ type: 'CursorRolledBack', collectionId, sent, received: seq });
      nextCursors[collectionId] = seq;
    }
    const lastSeq = new Map<string, number>();
    for (const change of answer.changes) {
      const floor = lastSeq.get(change.collectionId) ?? cursors[change.collectionId];
      const ceiling = nextCursors[change.collectionId] ?? floor;
      if (floor === undefined || ceiling === undefined || change.seq <= floor || change.seq > ceiling) {
        const refused = {
          collectionId: change.collectionId,
          recordId: change.recordId,
          version: change.version,
        };
        return err({ type: 'RecordsRefused', records: [{ ...refused, reason: 'Unexpected' }] });
      }
      lastSeq.set(change.collectionId, change.seq);
    }
    return ok(nextCursors);
  };

  const pullAll = async (memberships: readonly Membership[]): Promise<Result<number, SyncError>> => {
    if (memberships.length === 0) return ok(0);
    const limit = Math.min(limits.pullMaxLimit, 5000);
    /**
     * [Note: Pulling ahead]
     * The next page is asked for as soon as this page's head (epoch, cursors, hasMore) is known: where the
     * transport reads answers line by line (transport/json-lines.ts), that is before this page's records have
     * arrived, so the server reads and sends the next page while this one arrives, is opened and is stored.
     * Asking is only a read: every check below still runs on the whole answer before anything is applied. The
     * next page is asked from the head's cursors only where they do not go backwards, and it is used only if the
     * whole answer carries that same head (the transport guarantees it; checked again here); otherwise it is
     * dropped unread. If this page is refused, the next is dropped unread and no cursor moves.
     */
    const request = (cursors: Record<string, number>): PullPage => {
      let ahead: PullPage | undefined;
      let head: PullHead | undefined;
      let armed = false;
      // One page ahead at most: a page asks for its next only once the loop has reached it (armed).
      const goAhead = () => {
        if (!armed || head === undefined || !head.hasMore || ahead) return;
        const next: Record<string, number> = { ...cursors };
        for (const [collectionId, seq] of Object.entries(head.cursors)) {
          const sent = cursors[collectionId];
          if (sent === undefined) continue;
          if (seq < sent) return;
          next[collectionId] = seq;
        }
        ahead = { ...request(next), from: head };
      };
      const answer = transport.pull({ cursors, limit }, (received) => {
        head ??= received;
        goAhead();
      });
      return {
        cursors,
        answer,
        from: undefined,
        ahead: () => ahead,
        arm: () => {
          armed = true;
          goAhead();
        },
      };
    };
    const drop = (page: PullPage | undefined) => void page?.answer.catch(() => undefined);
    const requestFromStoredCursors = async () => {
      const stored = await store.getCursors();
      const cursors: Record<string, number> = {};
      for (const m of memberships) cursors[m.collectionId] = stored.get(m.collectionId) ?? 0;
      return request(cursors);
    };
    let pulled = 0;
    let reconciled = 0;
    let page = await requestFromStoredCursors();
    for (;;) {
      const { cursors } = page;
      page.arm();
      const answer = await page.answer;
      if (!answer.ok) {
        drop(page.ahead());
        const problem = answer.error.type === 'ProblemResponse' ? answer.error.problem : null;
        if (problem?.code === 'cursor_expired' && reconciled < memberships.length) {
          const expired = (problem.collectionIds ?? []).filter((id) => id in cursors);
          if (expired.length === 0) return err({ type: 'Transport', error: answer.error });
          for (const collectionId of expired) {
            const result = await reconcile(collectionId);
            if (!result.ok) return result;
            pulled += result.value;
            reconciled++;
          }
          page = await requestFromStoredCursors();
          continue;
        }
        return err({ type: 'Transport', error: answer.error });
      }
      const checked = await checkPullAnswer(cursors, answer.value);
      if (!checked.ok) {
        drop(page.ahead());
        return checked;
      }
      const nextCursors = checked.value;
      // The next page travels while this one is opened and stored, from the cursors this one moves to: asked for
      // already when the head came in, if it did and says the same. See: [Note: Pulling ahead]
      const early = page.ahead();
      const sameHead = early?.from !== undefined && isSamePullHead(early.from, answer.value);
      if (early && !sameHead) drop(early);
      const prefetched = !answer.value.hasMore
        ? undefined
        : sameHead
          ? early
          : request({ ...cursors, ...nextCursors });
      const applied = await exclusive(async () => {
        const admission = await admitRemote(store, cipher, codec, answer.value.changes);
        if (!admission.ok) return err<SyncError>({ type: 'RecordsRefused', records: admission.error });
        await applyAdmitted(admission.value.admitted, nextCursors);
        return ok(admission.value.admitted.length);
      });
      if (!applied.ok) {
        drop(prefetched);
        return applied;
      }
      pulled += applied.value;
      emit({ type: 'progress', phase: 'pull', done: pulled });
      if (!prefetched) return ok(pulled);
      page = prefetched;
    }
  };

  /** One full round: limits, memberships, push everything queued, pull everything new. */
  const syncRound = async (): Promise<Result<SyncReport, SyncError>> => {
    const ready = await readLimits();
    if (!ready.ok) return ready;
    const memberships = await refreshMemberships();
    if (!memberships.ok) return memberships;
    const pushed = await pushAll();
    if (!pushed.ok) return pushed;
    const pulled = await pullAll(memberships.value);
    if (!pulled.ok) return pulled;
    return ok({ pushed: pushed.value, pulled: pulled.value, outboxLeft: await store.countOutbox() });
  };

  const syncOnce = async (): Promise<Result<SyncReport, SyncError>> => {
    syncing++;
    try {
      return await syncRound();
    } finally {
      syncing--;
      scheduleSnapshot();
    }
  };

  /**
   * Re-reads records from the store and tells listeners what to show: for a tab whose leader (another tab,
   * sharing this store) applied changes. See sync/tabs.ts.
   */
  const refresh = async (keys: readonly RecordKey[]): Promise<void> => {
    const [records, pending] = await Promise.all([store.getRecords(keys), store.getOutbox(keys)]);
    const changes = keys.map((key, i) => {
      const doc = docOfRows(records[i], pending[i]);
      remember(key, doc, records[i]?.version ?? 0, pending[i]?.opId ?? null);
      return { key: keyOf(key), doc };
    });
    if (changes.length > 0) emit({ type: 'changes', changes });
  };

  /**
   * After a ServerEpochChanged refusal, once the user accepts that the server was restored from a backup: every
   * record this device shows is queued again as a new write, and every record it knows was deleted forever as a
   * delete, then everything learnt from the old server is forgotten and the new epoch remembered. The next sync
   * merges with what the restored server has (conflicts), so what the backup lost is put back. See
   * docs/sync-engine.md, "Server epoch".
   */
  const adoptServerEpoch = (epoch: string): Promise<number> =>
    exclusive(async () => {
      const [docs, records] = await Promise.all([load(), store.listRecords()]);
      const blobIdsByKey = new Map(records.map((r) => [recordKeyString(r), r.blobIds]));
      const queuedAt = deps.now();
      const outbox: OutboxOp[] = [];
      for (const { key, doc } of docs.toArray()) {
        const context = { ...key, version: 1 };
        outbox.push({
          ...keyOf(key),
          opId: deps.newOpId(),
          baseVersion: 0,
          ciphertext: cipher.seal(context, codec.encode(doc)),
          blobIds: blobIdsByKey.get(recordKeyString(key)) ?? [],
          queuedAt,
          parked: null,
        });
      }
      for (const record of records) {
        if (!record.deleted) continue;
        outbox.push({
          ...keyOf(record),
          opId: deps.newOpId(),
          baseVersion: 0,
          ciphertext: null,
          blobIds: [],
          queuedAt,
          parked: null,
        });
      }
      await store.resetServerState(epoch, outbox);
      knownEpoch = epoch;
      shown?.clear();
      for (const op of outbox) remember(op, docs.get(op)?.doc ?? null, 0, op.opId);
      return outbox.length;
    });

  return {
    write,
    loadShownDocs,
    /** How the last warm start went (snapshot used or not, records opened one by one, time in the snapshot). */
    lastLoad: (): LoadReport | undefined => lastLoad,
    /** Writes the snapshot now if it is behind (on lock, on close). Never fails. */
    flushSnapshot: (): Promise<void> => {
      clearTimeout(snapshotTimer);
      return writeSnapshot();
    },
    /** Writes the snapshot if behind, then forgets the shown records and stops. */
    async close(): Promise<void> {
      clearTimeout(snapshotTimer);
      await writeSnapshot();
      shown = null;
    },
    refresh,
    adoptServerEpoch,
    syncOnce,
    /** Puts ops the server refused back in line, e.g. after the user freed quota or regained access. */
    retryParked: () => store.unparkAll(),
    subscribe(listener: (event: SyncEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};

export type SyncEngine = ReturnType<typeof createSyncEngine>;
