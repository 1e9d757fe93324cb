/**
 * Concurrency through the real app. On PostgreSQL (DATABASE_URL) the requests run on separate pooled
 * connections at the same time, so the row locks decide; on PGlite (one connection) they interleave at every
 * await, which still exercises the ordering of reads, decisions and commits.
 */
import { randomUUID } from 'node:crypto';
import type { WireRecord } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server';
import { pullAll, putOp, userWithCollection } from './sync.test-helpers';

let server: TestServer;
beforeAll(async () => {
  // Many requests on one token: the rate limit is tested in sync.routes.test.ts, not here.
  server = await startTestServer({ env: { RATE_LIMIT_BURST: '1000000' } });
});
afterAll(() => server?.close());

describe('concurrent writers', () => {
  it('applies exactly one of two same-base updates; the other conflicts with the winner’s ciphertext', async () => {
    const { client, collectionId } = await userWithCollection(server);
    for (let round = 0; round < 10; round++) {
      const recordId = randomUUID();
      await client.push([putOp(collectionId, recordId, 0)]);
      const [a, b] = [putOp(collectionId, recordId, 1), putOp(collectionId, recordId, 1)];
      const [ra, rb] = await Promise.all([client.push([a]), client.push([b])]);
      const results = [ra.body.results[0]!, rb.body.results[0]!];
      const applied = results.filter((r) => r.status === 'applied');
      const conflicts = results.flatMap((r) => (r.status === 'conflict' ? [r] : []));
      expect(applied).toHaveLength(1);
      expect(conflicts).toHaveLength(1);
      const winner = applied[0]!.opId === a.opId ? a : b;
      expect(conflicts[0]!.current).toMatchObject({ recordId, version: 2, ciphertext: winner.ciphertext });
    }
  });

  it('acknowledges a push retried after its response was lost once, without a second version', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const ops = [putOp(collectionId, randomUUID(), 0), putOp(collectionId, randomUUID(), 0)];
    const original = await client.push(ops); // the client never saw this answer
    const retried = await client.push(ops);
    expect(retried.body.results).toEqual(original.body.results.map((r) => ({ ...r, replayed: true })));
    const pulled = await pullAll(client, { [collectionId]: 0 });
    expect(pulled.changes.map((c) => c.version)).toEqual([1, 1]);
    expect(pulled.cursors[collectionId]).toBe(2);
  });

  it('applies a retry racing its own original once: the other is answered as a replay', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const ops = [putOp(collectionId, randomUUID(), 0)];
    const [first, second] = await Promise.all([client.push(ops), client.push(ops)]);
    const results = [first.body.results[0]!, second.body.results[0]!];
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(results.map((r) => r.status === 'applied' && r.replayed).sort()).toEqual([false, true]);
    expect((await pullAll(client, { [collectionId]: 0 })).changes).toHaveLength(1);
  });

  it('hands a concurrent puller every change exactly once, in seq order, with no cursor skipping one', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const writers = 12;
    const pushesPerWriter = 6;
    const appliedSeqs: number[] = [];
    const versionByRecord = new Map<string, number>();

    // Each writer creates records and then edits them, so pulls meet both new records and overwritten ones.
    const writer = async () => {
      const mine = [randomUUID(), randomUUID()];
      for (let i = 0; i < pushesPerWriter; i++) {
        const ops = mine.map((id) => putOp(collectionId, id, versionByRecord.get(id) ?? 0));
        const response = await client.push(ops);
        for (const result of response.body.results) {
          expect(result.status).toBe('applied');
          if (result.status === 'applied') appliedSeqs.push(result.seq);
        }
        for (const id of mine) versionByRecord.set(id, (versionByRecord.get(id) ?? 0) + 1);
      }
    };

    // The puller keeps a local copy exactly as a client would, pulling small pages while writes land.
    const local = new Map<string, WireRecord>();
    let cursor = 0;
    let writing = true;
    const pullOnce = async () => {
      const page = await client.pull({ [collectionId]: cursor }, { limit: 5 });
      expect(page.status).toBe(200);
      const seqs = page.body.changes.map((c) => c.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(seqs.every((s) => s > cursor)).toBe(true);
      for (const change of page.body.changes) local.set(change.recordId, change);
      cursor = page.body.cursors[collectionId]!;
      return page.body.hasMore;
    };
    const puller = async () => {
      while (writing) await pullOnce();
      while (await pullOnce()) {}
    };

    const pulling = puller();
    await Promise.all(Array.from({ length: writers }, writer));
    writing = false;
    await pulling;

    const total = writers * pushesPerWriter * 2;
    // Seqs were handed out without gaps or duplicates.
    expect([...appliedSeqs].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // A fresh pull returns each record once, at its final version, in seq order.
    const fresh = await pullAll(client, { [collectionId]: 0 }, { limit: 7 });
    expect(fresh.changes).toHaveLength(versionByRecord.size);
    expect(fresh.changes.map((c) => c.seq)).toEqual(
      [...fresh.changes.map((c) => c.seq)].sort((x, y) => x - y),
    );
    for (const change of fresh.changes) expect(change.version).toBe(versionByRecord.get(change.recordId));
    // The concurrent puller ended with exactly the same state: no change was skipped by any cursor.
    expect(new Map([...local].map(([id, r]) => [id, r.version]))).toEqual(versionByRecord);
    expect(cursor).toBe(total);
  });
});
