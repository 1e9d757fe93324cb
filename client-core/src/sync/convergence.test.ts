/**
 * Several devices doing random edits, going offline, losing push answers and syncing in random order: after every
 * device has synced, every replica is equal, and every field holds its latest edit (by HLC) unless the record was
 * deleted forever somewhere (the documented rule: the tombstone wins). No acknowledged change is lost.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Hlc } from './hlc';
import { createTestDevice, type TestDevice, testUuid } from './testing/device';
import { createMemoryServer } from './testing/memory-server';
import type { Transport } from './transport';

const LIBRARY = testUuid(1, 'c0');
const RECORD_COUNT = 2;
const DEVICE_COUNT = 3;
const key = (n: number) => ({ collectionId: LIBRARY, recordId: testUuid(n + 1) });

type Command =
  | { readonly kind: 'create'; readonly device: number; readonly record: number; readonly name: string }
  | {
      readonly kind: 'edit';
      readonly device: number;
      readonly record: number;
      readonly field: 'name' | 'color';
      readonly value: string;
    }
  | { readonly kind: 'delete'; readonly device: number; readonly record: number }
  | { readonly kind: 'sync'; readonly device: number }
  | { readonly kind: 'toggleNetwork'; readonly device: number }
  | { readonly kind: 'loseNextPushAnswer'; readonly device: number }
  | { readonly kind: 'tick'; readonly ms: number };

const device = fc.integer({ min: 0, max: DEVICE_COUNT - 1 });
const record = fc.integer({ min: 0, max: RECORD_COUNT - 1 });
const word = fc.constantFrom('a', 'b', 'c', 'd');
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), device, record, name: word }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      device,
      record,
      field: fc.constantFrom('name' as const, 'color' as const),
      value: word,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), device, record }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('sync' as const), device }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('toggleNetwork' as const), device }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('loseNextPushAnswer' as const), device }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 50 }) }),
  },
);

interface Edit {
  readonly stamp: Hlc;
  readonly value: unknown;
}

const runScenario = async (commands: readonly Command[], skews: readonly number[]) => {
  const server = createMemoryServer({ maxOpsPerPush: 2, pullMaxLimit: 2 });
  server.createCollection(LIBRARY);
  let wall = 1_000_000;
  const online = skews.map(() => true);
  const loseAnswer = skews.map(() => false);
  const devices: TestDevice[] = [];
  for (const [i, skew] of skews.entries()) {
    const transport: Transport = {
      ...server.transport,
      push: async (request) => {
        if (!online[i]) return { ok: false, error: { type: 'NetworkFailure', message: 'offline' } };
        const answer = await server.transport.push(request);
        if (!loseAnswer[i]) return answer;
        loseAnswer[i] = false;
        return { ok: false, error: { type: 'NetworkFailure', message: 'answer lost' } };
      },
      pull: async (request) =>
        online[i]
          ? server.transport.pull(request)
          : { ok: false, error: { type: 'NetworkFailure', message: 'offline' } },
    };
    devices.push(await createTestDevice({ nodeId: `d${i}`, transport, wallClock: () => wall + skew }));
  }

  // The oracle: every edit made, with the stamp it got, and which records were deleted forever.
  const edits = new Map<string, Edit[]>();
  const deleted = new Set<number>();
  const remember = (dev: TestDevice, n: number, fields: readonly string[]) => {
    const doc = dev.doc(key(n));
    if (!doc) return;
    for (const field of fields) {
      const list = edits.get(`${n}.${field}`) ?? [];
      list.push({ stamp: doc.stamps[field]!, value: doc.fields[field] });
      edits.set(`${n}.${field}`, list);
    }
  };

  for (const c of commands) {
    if (c.kind === 'tick') {
      wall += c.ms;
      continue;
    }
    const dev = devices[c.device]!;
    switch (c.kind) {
      case 'create':
        if (!dev.doc(key(c.record)) && !(await dev.store.getRecords([key(c.record)]))[0]?.deleted) {
          await dev.createTag(key(c.record), c.name);
          remember(dev, c.record, ['name', 'color']);
        }
        break;
      case 'edit':
        if (dev.doc(key(c.record))) {
          await dev.edit(key(c.record), { [c.field]: c.value });
          remember(dev, c.record, [c.field]);
        }
        break;
      case 'delete':
        if (dev.doc(key(c.record))) {
          await dev.deleteForever(key(c.record));
          deleted.add(c.record);
        }
        break;
      case 'sync':
        await dev.engine.syncOnce();
        break;
      case 'toggleNetwork':
        online[c.device] = !online[c.device];
        break;
      case 'loseNextPushAnswer':
        loseAnswer[c.device] = true;
        break;
    }
  }

  online.fill(true);
  loseAnswer.fill(false);
  for (let round = 0; round < 3; round++) for (const dev of devices) await dev.syncOrThrow();

  const expected: Record<string, Record<string, unknown>> = {};
  for (let n = 0; n < RECORD_COUNT; n++) {
    if (deleted.has(n)) continue;
    for (const field of ['name', 'color']) {
      const latest = (edits.get(`${n}.${field}`) ?? []).reduce<Edit | null>(
        (best, e) => (best === null || e.stamp > best.stamp ? e : best),
        null,
      );
      if (!latest) continue;
      const fields = expected[key(n).recordId] ?? {};
      fields[field] = latest.value;
      expected[key(n).recordId] = fields;
    }
  }
  for (const dev of devices) {
    const byId: Record<string, unknown> = {};
    for (const [k, doc] of dev.docs) byId[k.split('/')[1]!] = doc.fields;
    expect(byId).toEqual(expected);
    expect(await dev.store.countOutbox()).toBe(0);
  }
};

describe('convergence', () => {
  it('brings every replica to the same state with no acknowledged edit lost', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: -200, max: 200 }), { minLength: DEVICE_COUNT, maxLength: DEVICE_COUNT }),
        runScenario,
      ),
      { numRuns: 200 },
    );
  });
});
