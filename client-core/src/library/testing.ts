/**
 * @module Libraries on simulated devices for tests: each with its own store, engine and HLC clock, sharing one
 * in-memory server and one account (the same link-id key and library collection).
 */

import { openMemoryStore } from '../store/test-store';
import { createSyncEngine } from '../sync/engine';
import { createHlcClock } from '../sync/hlc';
import { createTestCipher } from '../sync/testing/test-cipher';
import type { Transport } from '../sync/transport';
import { createLinkIdDeriver } from './derived-keys';
import { decodeRecordDoc, encodeRecordDoc } from './kinds';
import { createLibrary, type NewPhoto } from './library';

export const TEST_LIBRARY_COLLECTION = '000000c0-0000-4000-8000-000000000001';

let ids = 0;
const nextId = () => `0000${(++ids).toString(16).padStart(4, '0')}-0000-4000-8000-000000000000`;

export const createTestLibrary = async (
  nodeId: string,
  transport: Transport,
  wallClock: () => number = Date.now,
) => {
  const store = await openMemoryStore();
  const engine = createSyncEngine({
    store,
    transport,
    cipher: createTestCipher(),
    codec: { encode: encodeRecordDoc, decode: decodeRecordDoc },
    newOpId: nextId,
    now: wallClock,
  });
  const library = createLibrary({
    engine,
    clock: createHlcClock(nodeId, wallClock),
    linkIds: createLinkIdDeriver(new Uint8Array(32).fill(5)),
    collectionId: TEST_LIBRARY_COLLECTION,
    newId: nextId,
    now: wallClock,
    dayOf: (ms) => new Date(ms).toISOString().slice(0, 10),
  });
  await library.load();
  return {
    library,
    engine,
    store,
    sync: async () => {
      const result = await engine.syncOnce();
      if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.error)}`);
    },
  };
};

let photoNumber = 0;
export const testPhoto = (overrides: Partial<NewPhoto> = {}): NewPhoto => {
  photoNumber++;
  return {
    blobs: { original: nextId(), thumbnail: nextId(), preview: null },
    fileKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    size: 1000 + photoNumber,
    mime: 'image/jpeg',
    width: 4000,
    height: 3000,
    takenAt: Date.UTC(2024, 5, 1, 12),
    exif: {},
    contentHash: 'AAAA',
    fileName: `IMG_${photoNumber}.JPG`,
    ...overrides,
  };
};
