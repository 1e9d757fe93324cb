/**
 * @module A simulated device for engine tests: its own local store (fake-indexeddb), HLC clock and engine, and the
 * documents it would show, kept up to date from the engine's change events.
 */
import { decodeRecordDoc, encodeRecordDoc } from '../../library/kinds';
import { recordPacking } from '../../library/packing';
import type { LocalStore } from '../../store/local-store';
import { openMemoryStore } from '../../store/test-store';
import { createSyncEngine, DELETE_FOREVER, type DocChange, recordKeyString, type SyncEvent } from '../engine';
import { createHlcClock } from '../hlc';
import { createDoc, editDoc, latestStamp, type RecordDoc } from '../merge';
import type { FieldPacking, RecordCipher } from '../record-cipher';
import type { SnapshotCipher } from '../snapshot-cipher';
import type { RecordKey } from '../sync-store';
import type { Transport } from '../transport';
import { createTestCipher } from './test-cipher';

let opIds = 0;
export const testUuid = (n: number, prefix = '0000'): string =>
  `${prefix.padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export interface TestDeviceOptions {
  readonly nodeId: string;
  readonly transport: Transport;
  readonly store?: LocalStore;
  readonly cipher?: RecordCipher;
  readonly wallClock?: () => number;
  /** Turns the local snapshot on; written when flushed (the debounce is an hour unless set). */
  readonly snapshotCipher?: SnapshotCipher;
  readonly snapshotDelayMs?: number;
  /** The codec's schema name (RecordCodec.schema). */
  readonly schema?: string;
  /** The codec's snapshot layouts (RecordCodec.packing): the library's unless given; null for none. */
  readonly packing?: FieldPacking | null;
}

export const createTestDevice = async (options: TestDeviceOptions) => {
  const store = options.store ?? (await openMemoryStore());
  const clock = createHlcClock(options.nodeId, options.wallClock);
  const engine = createSyncEngine({
    store,
    transport: options.transport,
    cipher: options.cipher ?? createTestCipher(),
    codec: {
      encode: encodeRecordDoc,
      decode: decodeRecordDoc,
      schema: options.schema ?? 'test',
      ...(options.packing !== null && { packing: options.packing ?? recordPacking }),
    },
    newOpId: () => testUuid(++opIds, 'aa'),
    now: () => Date.now(),
    ...(options.snapshotCipher && {
      snapshotCipher: options.snapshotCipher,
      snapshotDelayMs: options.snapshotDelayMs ?? 3_600_000,
    }),
  });
  const docs = new Map<string, RecordDoc>();
  const events: SyncEvent[] = [];
  const show = (changes: readonly DocChange[]) => {
    for (const { key, doc } of changes) {
      if (doc) {
        clock.observe(latestStamp(doc));
        docs.set(recordKeyString(key), doc);
      } else docs.delete(recordKeyString(key));
    }
  };
  engine.subscribe((event) => {
    events.push(event);
    if (event.type === 'changes') show(event.changes);
  });
  show(await engine.loadShownDocs());

  return {
    store,
    engine,
    docs,
    events,
    doc: (key: RecordKey) => docs.get(recordKeyString(key)),
    /** Creates a tag record (the simplest kind) with the given name. */
    createTag: async (key: RecordKey, name: string) =>
      show(
        await engine.write([{ key, apply: () => createDoc('tag', 1, { name, color: null }, clock.now()) }]),
      ),
    edit: async (key: RecordKey, patch: Record<string, unknown>) =>
      show(
        await engine.write([
          { key, apply: (current) => (current ? editDoc(current, patch, clock.now()) : undefined) },
        ]),
      ),
    deleteForever: async (key: RecordKey) => show(await engine.write([{ key, apply: () => DELETE_FOREVER }])),
    syncOrThrow: async () => {
      const result = await engine.syncOnce();
      if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.error)}`);
      return result.value;
    },
  };
};

export type TestDevice = Awaited<ReturnType<typeof createTestDevice>>;
