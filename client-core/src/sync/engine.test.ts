import type { PullResponse } from '@halyon/protocol';
import { describe, expect, it } from 'vitest';
import { ok } from '../result';
import { openMemoryStore } from '../store/test-store';
import { createTestDevice, type TestDevice, testUuid } from './testing/device';
import { createMemoryServer, type MemoryServerOptions } from './testing/memory-server';
import type { PullHead, Transport } from './transport';

const LIBRARY = testUuid(1, 'c0');
const tagKey = (n: number) => ({ collectionId: LIBRARY, recordId: testUuid(n) });

/** A server with the library collection, and two devices of one account. */
const setup = async (options: MemoryServerOptions = {}) => {
  const server = createMemoryServer(options);
  server.createCollection(LIBRARY);
  const phone = await createTestDevice({ nodeId: 'phone', transport: server.transport });
  const laptop = await createTestDevice({ nodeId: 'laptop', transport: server.transport });
  return { server, phone, laptop };
};

describe('sync engine', () => {
  it('shows a tag created on one device on another after both sync', async () => {
    const { phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'Holidays');
    expect(phone.doc(tagKey(1))?.fields.name).toBe('Holidays');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    expect(laptop.doc(tagKey(1))?.fields.name).toBe('Holidays');
    expect(await phone.store.countOutbox()).toBe(0);
  });

  it('keeps both sides of concurrent edits to different fields (a conflict merged, not duplicated)', async () => {
    const { phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'Holidays');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    await phone.edit(tagKey(1), { name: 'Holidays 2024' });
    await laptop.edit(tagKey(1), { color: 'blue' });
    await phone.syncOrThrow();
    await laptop.syncOrThrow(); // conflict: merged and re-sealed on version 2
    await phone.syncOrThrow();
    for (const device of [phone, laptop]) {
      expect(device.doc(tagKey(1))?.fields).toEqual({ name: 'Holidays 2024', color: 'blue' });
    }
  });

  it('resolves concurrent edits of the same field to the later edit on every device', async () => {
    let wall = 1000;
    const server = createMemoryServer();
    server.createCollection(LIBRARY);
    const phone = await createTestDevice({
      nodeId: 'phone',
      transport: server.transport,
      wallClock: () => wall,
    });
    const laptop = await createTestDevice({
      nodeId: 'laptop',
      transport: server.transport,
      wallClock: () => wall,
    });
    await phone.createTag(tagKey(1), 'a');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    wall = 3000;
    await laptop.edit(tagKey(1), { name: 'later' });
    wall = 2000;
    await phone.edit(tagKey(1), { name: 'earlier' });
    await laptop.syncOrThrow();
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    expect(phone.doc(tagKey(1))?.fields.name).toBe('later');
    expect(laptop.doc(tagKey(1))?.fields.name).toBe('later');
  });

  it('lets delete forever win over a concurrent edit, and says so', async () => {
    const { phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'Old');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    await laptop.edit(tagKey(1), { name: 'Renamed' });
    await phone.deleteForever(tagKey(1));
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    expect(laptop.doc(tagKey(1))).toBeUndefined();
    expect(laptop.events).toContainEqual({ type: 'superseded', key: tagKey(1) });
    expect(await laptop.store.countOutbox()).toBe(0);
  });

  it('keeps offline edits across a restart and sends them when the network is back', async () => {
    const server = createMemoryServer();
    server.createCollection(LIBRARY);
    let online = false;
    const flaky: Transport = new Proxy(server.transport, {
      get: (target, name: keyof Transport) =>
        online
          ? target[name]
          : async () => ({ ok: false, error: { type: 'NetworkFailure', message: 'offline' } }),
    });
    const store = await openMemoryStore();
    const before = await createTestDevice({ nodeId: 'phone', transport: flaky, store });
    await before.createTag(tagKey(1), 'Made offline');
    const failed = await before.engine.syncOnce();
    expect(failed.ok).toBe(false);

    const after = await createTestDevice({ nodeId: 'phone', transport: flaky, store });
    expect(after.doc(tagKey(1))?.fields.name).toBe('Made offline');
    online = true;
    await after.syncOrThrow();
    expect(server.records(LIBRARY).map((r) => r.recordId)).toEqual([tagKey(1).recordId]);
  });

  it('does not apply a retried push twice when the first answer was lost', async () => {
    const server = createMemoryServer();
    server.createCollection(LIBRARY);
    let loseNextAnswer = true;
    const lossy: Transport = {
      ...server.transport,
      push: async (request) => {
        const answer = await server.transport.push(request);
        if (!loseNextAnswer) return answer;
        loseNextAnswer = false;
        return { ok: false, error: { type: 'NetworkFailure', message: 'connection reset' } };
      },
    };
    const phone = await createTestDevice({ nodeId: 'phone', transport: lossy });
    await phone.createTag(tagKey(1), 'Once');
    expect((await phone.engine.syncOnce()).ok).toBe(false);
    await phone.syncOrThrow();
    expect(server.records(LIBRARY)).toHaveLength(1);
    expect(server.records(LIBRARY)[0]?.version).toBe(1);
    expect(await phone.store.countOutbox()).toBe(0);
  });

  it('reconciles after its cursor expired, dropping purged records and fetching changed ones', async () => {
    const { server, phone, laptop } = await setup({ reconcileMaxKnown: 2, reconcilePageCap: 1 });
    for (let n = 1; n <= 5; n++) await phone.createTag(tagKey(n), `t${n}`);
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    await phone.deleteForever(tagKey(2));
    await phone.deleteForever(tagKey(4));
    await phone.edit(tagKey(5), { name: 'five' });
    await phone.createTag(tagKey(6), 't6');
    await phone.syncOrThrow();
    server.purgeTombstones(LIBRARY);

    await laptop.syncOrThrow();
    expect([...laptop.docs.values()].map((d) => d.fields.name).sort()).toEqual(
      ['t1', 't3', 't6', 'five'].sort(),
    );
    await phone.createTag(tagKey(7), 't7');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    expect(laptop.doc(tagKey(7))?.fields.name).toBe('t7');
  });

  it('pulls everything through many small pages', async () => {
    const { phone, laptop } = await setup({ pullMaxLimit: 7 });
    for (let n = 1; n <= 30; n++) await phone.createTag(tagKey(n), `t${n}`);
    await phone.syncOrThrow();
    const report = await laptop.syncOrThrow();
    expect(report.pulled).toBe(30);
    expect(laptop.docs.size).toBe(30);
  });

  describe('pulling ahead (a transport that hands out each head before its records)', () => {
    /** Calls onHead with `headOf(answer)` first, then gives the answer a turn of the event loop later. */
    const headFirst = (
      inner: Transport,
      log: string[],
      rewrite: {
        head?: (head: PullHead) => PullHead;
        answer?: (answer: PullResponse) => PullResponse;
      } = {},
    ): Transport => ({
      ...inner,
      pull: async (request, onHead) => {
        const from = Object.values(request.cursors).join();
        log.push(`ask ${from}`);
        const answer = await inner.pull(request);
        if (!answer.ok) return answer;
        const { changes: _, ...head } = answer.value;
        onHead?.(rewrite.head ? rewrite.head(head) : head);
        await new Promise((resolve) => setTimeout(resolve, 1));
        log.push(`answer ${from}`);
        return ok(rewrite.answer ? rewrite.answer(answer.value) : answer.value);
      },
    });
    const seeded = async () => {
      const { server, phone } = await setup({ pullMaxLimit: 7 });
      for (let n = 1; n <= 30; n++) await phone.createTag(tagKey(n), `t${n}`);
      await phone.syncOrThrow();
      return server;
    };

    it('asks for the next page before this one has arrived, one page ahead at most', async () => {
      const server = await seeded();
      const log: string[] = [];
      const laptop = await createTestDevice({
        nodeId: 'laptop',
        transport: headFirst(server.transport, log),
      });
      expect((await laptop.syncOrThrow()).pulled).toBe(30);
      expect(laptop.docs.size).toBe(30);
      expect(log.indexOf('ask 7')).toBeLessThan(log.indexOf('answer 0'));
      let open = 0;
      let most = 0;
      for (const entry of log) {
        open += entry.startsWith('ask') ? 1 : -1;
        most = Math.max(most, open);
      }
      expect(most).toBe(2);
    });

    it('drops the page asked ahead when this page is refused, and moves no cursor', async () => {
      const server = await seeded();
      const log: string[] = [];
      const tampered = (answer: PullResponse) => ({
        ...answer,
        changes: answer.changes.map((change, i) => (i === 0 ? { ...change, seq: 0 } : change)),
      });
      const laptop = await createTestDevice({
        nodeId: 'laptop',
        transport: headFirst(server.transport, log, { answer: tampered }),
      });
      const result = await laptop.engine.syncOnce();
      expect(result).toMatchObject({ ok: false, error: { type: 'RecordsRefused' } });
      expect(log).toContain('ask 7'); // asked ahead, never applied
      expect(laptop.docs.size).toBe(0);
      expect([...(await laptop.store.getCursors()).values()]).toEqual([]);
    });

    it('does not use a page asked from a head the answer contradicts', async () => {
      const server = await seeded();
      const log: string[] = [];
      // The head says the cursor moved past records the answer never carried.
      const skipping = (head: PullHead) => ({
        ...head,
        cursors: Object.fromEntries(Object.entries(head.cursors).map(([id, seq]) => [id, seq + 5])),
      });
      const laptop = await createTestDevice({
        nodeId: 'laptop',
        transport: headFirst(server.transport, log, { head: skipping }),
      });
      expect((await laptop.syncOrThrow()).pulled).toBe(30);
      expect(laptop.docs.size).toBe(30);
      expect(log).toContain('ask 12'); // asked from the lying head, then dropped
    });
  });

  it('parks an op the server rejects instead of dropping it, and sends it when retried', async () => {
    const server = createMemoryServer();
    const phone = await createTestDevice({ nodeId: 'phone', transport: server.transport });
    await phone.createTag(tagKey(1), 'Waiting for its collection');
    await phone.syncOrThrow();
    expect(phone.events).toContainEqual(
      expect.objectContaining({ type: 'opParked', code: 'collection_not_found' }),
    );
    expect(await phone.store.countOutbox()).toBe(1);

    server.createCollection(LIBRARY);
    await phone.engine.retryParked();
    await phone.syncOrThrow();
    expect(await phone.store.countOutbox()).toBe(0);
    expect(server.records(LIBRARY)).toHaveLength(1);
  });

  it('refuses to apply anything when the server epoch changes (a restored backup)', async () => {
    const { server, phone, laptop } = await setup();
    await laptop.syncOrThrow();
    server.setEpoch(testUuid(99, 'e0'));
    await phone.createTag(tagKey(1), 'After restore');
    await phone.syncOrThrow(); // phone had never synced: it adopts the new epoch
    const result = await laptop.engine.syncOnce();
    expect(result).toEqual({
      ok: false,
      error: {
        type: 'ServerEpochChanged',
        expected: '00000000-0000-4000-8000-0000000e0001',
        received: testUuid(99, 'e0'),
      },
    });
    expect(laptop.doc(tagKey(1))).toBeUndefined();
  });

  it('rebases a newer local edit made while its predecessor was being pushed', async () => {
    const server = createMemoryServer();
    server.createCollection(LIBRARY);
    let phone: TestDevice | undefined;
    const interleaving: Transport = {
      ...server.transport,
      push: async (request) => {
        const answer = await server.transport.push(request);
        if (phone && phone.doc(tagKey(1))?.fields.color === null)
          await phone.edit(tagKey(1), { color: 'red' });
        return answer;
      },
    };
    phone = await createTestDevice({ nodeId: 'phone', transport: interleaving });
    await phone.createTag(tagKey(1), 'Racing');
    await phone.syncOrThrow();
    const laptop = await createTestDevice({ nodeId: 'laptop', transport: server.transport });
    await laptop.syncOrThrow();
    expect(laptop.doc(tagKey(1))?.fields).toEqual({ name: 'Racing', color: 'red' });
    expect(await phone.store.countOutbox()).toBe(0);
  });

  it('adopts a restored server when asked, putting back what the backup lost', async () => {
    const { server, phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'one');
    await phone.createTag(tagKey(2), 'two');
    await phone.syncOrThrow();
    const backup = server.backup();
    await phone.edit(tagKey(1), { name: 'one, renamed after the backup' });
    await phone.deleteForever(tagKey(2));
    await phone.createTag(tagKey(3), 'three, made after the backup');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    const restoredEpoch = testUuid(77, 'e0');
    server.restore(backup, restoredEpoch);

    expect(await laptop.engine.syncOnce()).toMatchObject({
      ok: false,
      error: { type: 'ServerEpochChanged' },
    });
    await laptop.engine.adoptServerEpoch(restoredEpoch);
    await laptop.syncOrThrow();
    await phone.engine.adoptServerEpoch(restoredEpoch);
    await phone.syncOrThrow();
    await laptop.syncOrThrow();

    const names = (device: TestDevice) => [...device.docs.values()].map((d) => d.fields.name).sort();
    expect(names(laptop)).toEqual(['one, renamed after the backup', 'three, made after the backup']);
    expect(names(phone)).toEqual(names(laptop));
    expect(server.records(LIBRARY).filter((r) => !r.deleted)).toHaveLength(2);
    expect(await laptop.store.countOutbox()).toBe(0);
    expect(await phone.store.countOutbox()).toBe(0);
  });
});
