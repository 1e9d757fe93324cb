import type { WireRecord } from '@halyon/protocol';
import { describe, expect, it } from 'vitest';
import { createTestDevice, type TestDevice, testUuid } from './testing/device';
import { createHostileTransport, flipBit, type Rewrites } from './testing/hostile-transport';
import { createMemoryServer } from './testing/memory-server';

const LIBRARY = testUuid(1, 'c0');
const tagKey = (n: number) => ({ collectionId: LIBRARY, recordId: testUuid(n) });

/** An honest phone writes; the laptop talks to the server through `rewrites`. */
const setup = async () => {
  const server = createMemoryServer();
  server.createCollection(LIBRARY);
  const rewrites: Rewrites = {};
  const phone = await createTestDevice({ nodeId: 'phone', transport: server.transport });
  const laptop = await createTestDevice({
    nodeId: 'laptop',
    transport: createHostileTransport(server.transport, rewrites),
  });
  return { server, rewrites, phone, laptop };
};

const syncError = async (device: TestDevice) => {
  const result = await device.engine.syncOnce();
  if (result.ok) throw new Error('sync unexpectedly succeeded');
  return result.error;
};

const mapChanges =
  (rewrite: (record: WireRecord) => WireRecord) =>
  <A extends { changes: WireRecord[] }>(answer: A): A => ({
    ...answer,
    changes: answer.changes.map(rewrite),
  });

describe('a hostile server', () => {
  it('cannot slip in a tampered record: it is refused and never shown', async () => {
    const { rewrites, phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'Private');
    await phone.syncOrThrow();
    rewrites.pull = mapChanges((r) => ({ ...r, ciphertext: flipBit(r.ciphertext!) }));
    expect(await syncError(laptop)).toEqual({
      type: 'RecordsRefused',
      records: [{ ...tagKey(1), version: 1, reason: 'DecryptFailed' }],
    });
    expect(laptop.docs.size).toBe(0);

    delete rewrites.pull; // the honest answer still arrives afterwards: nothing was skipped
    await laptop.syncOrThrow();
    expect(laptop.doc(tagKey(1))?.fields.name).toBe('Private');
  });

  it('cannot swap two records', async () => {
    const { rewrites, phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'One');
    await phone.createTag(tagKey(2), 'Two');
    await phone.syncOrThrow();
    rewrites.pull = (answer) => {
      const [a, b] = answer.changes as [WireRecord, WireRecord];
      return {
        ...answer,
        changes: [
          { ...a, ciphertext: b.ciphertext },
          { ...b, ciphertext: a.ciphertext },
        ],
      };
    };
    const error = await syncError(laptop);
    expect(error.type === 'RecordsRefused' && error.records.map((r) => r.reason)).toEqual([
      'DecryptFailed',
      'DecryptFailed',
    ]);
    expect(laptop.docs.size).toBe(0);
  });

  it('cannot replay an old version of a record as a newer one', async () => {
    const { rewrites, phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'Before');
    await phone.syncOrThrow();
    let versionOne: WireRecord | undefined;
    rewrites.pull = mapChanges((r) => {
      versionOne = r;
      return r;
    });
    await laptop.syncOrThrow();
    await phone.edit(tagKey(1), { name: 'After' });
    await phone.syncOrThrow();
    rewrites.pull = mapChanges((r) => ({ ...r, ciphertext: versionOne!.ciphertext }));
    expect(await syncError(laptop)).toMatchObject({ records: [{ version: 2, reason: 'DecryptFailed' }] });
    expect(laptop.doc(tagKey(1))?.fields.name).toBe('Before');
  });

  it('cannot roll a record back to a version the device has already seen', async () => {
    const { server, rewrites, phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'v1');
    await phone.syncOrThrow();
    const versionOne = server.records(LIBRARY)[0]!;
    await phone.edit(tagKey(1), { name: 'v2' });
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    await phone.createTag(tagKey(2), 'next');
    await phone.syncOrThrow();
    // The genuine, correctly sealed version 1 served again, at a fresh seq, as if it were a new change.
    rewrites.pull = mapChanges((r) => ({ ...versionOne, seq: r.seq }));
    expect(await syncError(laptop)).toMatchObject({
      records: [{ ...tagKey(1), version: 1, reason: 'RolledBack' }],
    });
    expect(laptop.doc(tagKey(1))?.fields.name).toBe('v2');
  });

  it('cannot move the cursor backwards', async () => {
    const { rewrites, phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'x');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    rewrites.pull = (answer) => ({ ...answer, cursors: { [LIBRARY]: 0 } });
    expect(await syncError(laptop)).toEqual({
      type: 'CursorRolledBack',
      collectionId: LIBRARY,
      sent: 1,
      received: 0,
    });
  });

  it('cannot answer a push conflict with a forged record; the local edit stays queued', async () => {
    const { rewrites, phone, laptop } = await setup();
    await phone.createTag(tagKey(1), 'Shared');
    await phone.syncOrThrow();
    await laptop.syncOrThrow();
    await phone.edit(tagKey(1), { name: 'Phone edit' });
    await phone.syncOrThrow();
    await laptop.edit(tagKey(1), { color: 'green' });
    rewrites.push = (answer) => ({
      ...answer,
      results: answer.results.map((r) =>
        r.status === 'conflict'
          ? { ...r, current: { ...r.current, ciphertext: flipBit(r.current.ciphertext!) } }
          : r,
      ),
    });
    expect(await syncError(laptop)).toMatchObject({
      type: 'RecordsRefused',
      records: [{ reason: 'DecryptFailed' }],
    });
    expect(await laptop.store.countOutbox()).toBe(1);
    expect(laptop.doc(tagKey(1))?.fields).toEqual({ name: 'Shared', color: 'green' });

    delete rewrites.push;
    await laptop.syncOrThrow();
    expect(laptop.doc(tagKey(1))?.fields).toEqual({ name: 'Phone edit', color: 'green' });
  });

  it('cannot make the device forget an edit by acknowledging it at an impossible version', async () => {
    const { rewrites, laptop } = await setup();
    await laptop.createTag(tagKey(1), 'Mine');
    rewrites.push = (answer) => ({
      ...answer,
      results: answer.results.map((r) => (r.status === 'applied' ? { ...r, version: 7 } : r)),
    });
    expect(await syncError(laptop)).toMatchObject({ type: 'InvalidPushResults' });
    expect(await laptop.store.countOutbox()).toBe(1);
  });
});
