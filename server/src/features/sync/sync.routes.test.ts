import { randomBytes, randomUUID } from 'node:crypto';
import { PullResponse, PushResponse, ReconcileResponse } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestUser, startTestServer, type TestServer } from '../../test/test-server';
import { blobClient } from '../blobs/blobs.test-helpers';
import {
  ciphertextOf,
  deleteOp,
  pullAll,
  putOp,
  type SyncClient,
  syncClient,
  userWithCollection,
} from './sync.test-helpers';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    env: {
      SYNC_MAX_RECORD_BYTES: '1024',
      SYNC_MAX_OPS_PER_PUSH: '50',
      SYNC_RECONCILE_MAX_KNOWN: '5',
      SYNC_MAX_BODY_BYTES: '65536',
    },
  });
});
afterAll(() => server?.close());

describe('collections', () => {
  it('creates a collection once and answers the same membership when the create is repeated', async () => {
    const client = syncClient(server, await registerTestUser(server));
    const id = randomUUID();
    const first = await client.createCollection(id);
    const again = await client.createCollection(id);
    expect(first.status).toBe(200);
    expect(first.body.membership).toMatchObject({
      collectionId: id,
      ownerId: client.user.userId,
      role: 'owner',
    });
    expect(again.body.membership).toEqual(first.body.membership);
    expect(first.body.epoch).toBe(server.deps.meta.epoch);
  });

  it('refuses an id that another user owns with 409 collection_exists', async () => {
    const { collectionId } = await userWithCollection(server);
    const other = syncClient(server, await registerTestUser(server));
    const response = await other.createCollection(collectionId);
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('collection_exists');
  });

  it('lists memberships as a diff since the membership cursor', async () => {
    const client = syncClient(server, await registerTestUser(server));
    const [a, b] = [randomUUID(), randomUUID()];
    await client.createCollection(a);
    const afterFirst = await server.json<{ cursor: number; upserted: { collectionId: string }[] }>(
      'GET',
      '/v1/collections',
      undefined,
      client.user.accessToken,
    );
    await client.createCollection(b);
    const diff = await server.json<{
      cursor: number;
      upserted: { collectionId: string }[];
      removed: string[];
    }>('GET', `/v1/collections?since=${afterFirst.body.cursor}`, undefined, client.user.accessToken);
    expect(afterFirst.body.upserted.map((m) => m.collectionId)).toEqual([a]);
    expect(diff.body.upserted.map((m) => m.collectionId)).toEqual([b]);
    expect(diff.body.removed).toEqual([]);
    expect(diff.body.cursor).toBeGreaterThan(afterFirst.body.cursor);
  });
});

describe('push', () => {
  it('applies a create, then refuses a stale write with a conflict carrying the current record', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const recordId = randomUUID();
    const winner = putOp(collectionId, recordId, 0);
    const created = await client.push([winner]);
    const stale = await client.push([putOp(collectionId, recordId, 0)]);

    expect(PushResponse.parse(created.body).results[0]).toMatchObject({
      status: 'applied',
      version: 1,
      seq: 1,
    });
    expect(stale.body.results[0]).toMatchObject({
      status: 'conflict',
      current: { recordId, version: 1, seq: 1, deleted: false, ciphertext: winner.ciphertext },
    });
  });

  it('gives each op a result in request order, one transaction for the batch', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const response = await client.push([
      putOp(collectionId, ids[0]!, 0),
      putOp(collectionId, ids[1]!, 0),
      putOp(collectionId, ids[1]!, 1),
      deleteOp(collectionId, ids[2]!, 0),
    ]);
    expect(response.body.results.map((r) => (r.status === 'applied' ? r.seq : r.status))).toEqual([
      1,
      2,
      3,
      'rejected',
    ]);
  });

  it('leaves a tombstone that pull returns, and brings the record back on a put based on it', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const recordId = randomUUID();
    await client.push([putOp(collectionId, recordId, 0)]);
    await client.push([deleteOp(collectionId, recordId, 1)]);
    const afterDelete = await client.pull({ [collectionId]: 1 });
    expect(afterDelete.body.changes).toEqual([
      expect.objectContaining({ recordId, version: 2, deleted: true, ciphertext: null }),
    ]);
    const revived = await client.push([putOp(collectionId, recordId, 2)]);
    expect(revived.body.results[0]).toMatchObject({ status: 'applied', version: 3 });
  });

  it('lands an atomic group together or not at all', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const taken = randomUUID();
    await client.push([putOp(collectionId, taken, 0)]);
    const [photo, link] = [randomUUID(), randomUUID()];
    const response = await client.push([
      putOp(collectionId, photo, 0, { group: 'album' }),
      putOp(collectionId, link, 0, { group: 'album' }),
      putOp(collectionId, taken, 0, { group: 'album' }),
    ]);
    expect(response.body.results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'group_aborted',
      'group_aborted',
      'conflict',
    ]);
    const pulled = await pullAll(client, { [collectionId]: 0 });
    expect(pulled.changes.map((c) => c.recordId)).toEqual([taken]);
  });

  it('rejects a record over the size limit and refuses a batch over the op limit as a whole', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const big = await client.push([
      putOp(collectionId, randomUUID(), 0, { ciphertext: ciphertextOf(1025) }),
      putOp(collectionId, randomUUID(), 0, { ciphertext: ciphertextOf(1024) }),
    ]);
    expect(big.body.results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'record_too_large',
      'applied',
    ]);
    const ops = Array.from({ length: 51 }, () => putOp(collectionId, randomUUID(), 0));
    const tooMany = await client.push(ops);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.code).toBe('batch_too_large');
    expect((await pullAll(client, { [collectionId]: 0 })).changes).toHaveLength(1);
  });

  it('refuses a body over the size limit with 413 payload_too_large and writes nothing', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const ops = Array.from({ length: 48 }, () =>
      putOp(collectionId, randomUUID(), 0, { ciphertext: ciphertextOf(1024) }),
    );
    const response = await client.push(ops);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('payload_too_large');
    expect((await pullAll(client, { [collectionId]: 0 })).changes).toEqual([]);
  });

  it("accepts references to the pusher's committed blobs only", async () => {
    const { client, collectionId } = await userWithCollection(server);
    const blobs = blobClient(server, client.user);
    const committed = await blobs.store(randomBytes(100));
    const reserved = (await blobs.reserve(100)).body.blob.id;
    const stranger = await registerTestUser(server);
    const theirs = await blobClient(server, stranger).store(randomBytes(100));
    const withBlobs = (blobIds: string[]) => ({ ...putOp(collectionId, randomUUID(), 0), blobIds });

    const response = await client.push([
      withBlobs([committed]),
      withBlobs([reserved]),
      withBlobs([theirs]),
      withBlobs([randomUUID()]),
    ]);
    expect(response.body.results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'applied',
      'blob_not_committed',
      'blob_not_found',
      'blob_not_found',
    ]);
    const pulled = await pullAll(client, { [collectionId]: 0 });
    expect(pulled.changes.map((c) => c.blobIds)).toEqual([[committed]]);
  });

  it('answers malformed and ill-typed bodies with 4xx problems', async () => {
    const { client } = await userWithCollection(server);
    const raw = await server.request('/v1/sync/push', {
      method: 'POST',
      headers: { Authorization: `Bearer ${client.user.accessToken}`, 'Content-Type': 'application/json' },
      body: '{"ops": [',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { code: string }).code).toBe('malformed_json');
    const wrong = await client.push([{ opId: 'x' } as never]);
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('validation_failed');
  });
});

describe('pull', () => {
  it('pages by count in seq order with advancing cursors and hasMore', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const ops = Array.from({ length: 7 }, () => putOp(collectionId, randomUUID(), 0));
    await client.push(ops);
    const first = await client.pull({ [collectionId]: 0 }, { limit: 3 });
    expect(PullResponse.parse(first.body)).toMatchObject({ hasMore: true, cursors: { [collectionId]: 3 } });
    expect(first.body.changes.map((c) => c.seq)).toEqual([1, 2, 3]);
    const all = await pullAll(client, { [collectionId]: 0 }, { limit: 3 });
    expect(all.changes.map((c) => c.recordId)).toEqual(ops.map((op) => op.recordId));
    expect(all.cursors[collectionId]).toBe(7);
    expect(all.pages).toBe(3);
  });

  it('lays the answer out one record per line, head first, as ordinary JSON', async () => {
    const { client, collectionId } = await userWithCollection(server);
    await client.push(Array.from({ length: 3 }, () => putOp(collectionId, randomUUID(), 0)));
    const response = await server.request('/v1/sync/pull', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${client.user.accessToken}` },
      body: JSON.stringify({ cursors: { [collectionId]: 0 }, limit: 2 }),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    const answer = PullResponse.parse(JSON.parse(text));
    const lines = text.split('\n');
    expect(lines).toHaveLength(answer.changes.length + 2);
    const head = JSON.parse(`${lines[0]}]}`) as Record<string, unknown>;
    expect(head).toEqual({ epoch: answer.epoch, cursors: answer.cursors, hasMore: true, changes: [] });
    expect(lines.slice(1, -1).map((line) => JSON.parse(line.replace(/,$/, '')))).toEqual(answer.changes);
    expect(lines.at(-1)).toBe(']}');
    expect(answer.changes).toHaveLength(2);
  });

  it('pages by bytes, always giving at least one record', async () => {
    const { client, collectionId } = await userWithCollection(server);
    await client.push(
      Array.from({ length: 4 }, () =>
        putOp(collectionId, randomUUID(), 0, { ciphertext: ciphertextOf(600) }),
      ),
    );
    const page = await client.pull({ [collectionId]: 0 }, { maxBytes: 1000 });
    expect(page.body.changes).toHaveLength(1);
    expect(page.body.hasMore).toBe(true);
    const all = await pullAll(client, { [collectionId]: 0 }, { maxBytes: 1300 });
    expect(all.changes.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    expect(all.pages).toBe(2);
  });

  it('moves a finished cursor to the collection seq even when the latest changes were overwritten', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const id = randomUUID();
    await client.push([putOp(collectionId, id, 0), putOp(collectionId, id, 1), putOp(collectionId, id, 2)]);
    const page = await client.pull({ [collectionId]: 0 });
    expect(page.body.changes).toEqual([expect.objectContaining({ recordId: id, version: 3, seq: 3 })]);
    expect(page.body.cursors[collectionId]).toBe(3);
    expect((await client.pull(page.body.cursors)).body.changes).toEqual([]);
  });

  it('reads several collections in one page', async () => {
    const { client, collectionId: first } = await userWithCollection(server);
    const second = randomUUID();
    await client.createCollection(second);
    await client.push([putOp(first, randomUUID(), 0), putOp(second, randomUUID(), 0)]);
    const page = await client.pull({ [first]: 0, [second]: 0 });
    expect(new Set(page.body.changes.map((c) => c.collectionId))).toEqual(new Set([first, second]));
    expect(page.body.cursors).toEqual({ [first]: 1, [second]: 1 });
  });
});

describe('epoch', () => {
  it('carries the server epoch in every sync response', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const epochs = [
      (await client.push([putOp(collectionId, randomUUID(), 0)])).body.epoch,
      (await client.pull({ [collectionId]: 0 })).body.epoch,
      (await client.reconcile({ collectionId, after: null, until: null, known: [] })).body.epoch,
      (await server.json<{ epoch: string }>('GET', '/v1/collections', undefined, client.user.accessToken))
        .body.epoch,
    ];
    expect(epochs).toEqual(Array(4).fill(server.deps.meta.epoch));
  });
});

describe('authorization', () => {
  it('refuses every sync endpoint without a valid access token', async () => {
    const calls: [string, string][] = [
      ['POST', '/v1/collections'],
      ['GET', '/v1/collections'],
      ['POST', '/v1/sync/push'],
      ['POST', '/v1/sync/pull'],
      ['POST', '/v1/sync/reconcile'],
      ['GET', '/v1/sync/events'],
    ];
    for (const [method, path] of calls) {
      const response = await server.json(method, path, method === 'POST' ? {} : undefined, 'not-a-token');
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });

  it("never reads, writes or reveals another user's collection or records", async () => {
    const owner = await userWithCollection(server);
    const recordId = randomUUID();
    await owner.client.push([putOp(owner.collectionId, recordId, 0)]);
    const intruder = await userWithCollection(server);
    const target = owner.collectionId;

    const push = await intruder.client.push([putOp(target, recordId, 1), deleteOp(target, recordId, 1)]);
    expect(push.body.results.map((r) => r.status === 'rejected' && r.code)).toEqual([
      'collection_not_found',
      'collection_not_found',
    ]);
    const pull = await intruder.client.pull({ [intruder.collectionId]: 0, [target]: 0 });
    expect(pull.status).toBe(404);
    expect(pull.body).toMatchObject({ code: 'collection_not_found', collectionIds: [target] });
    const reconcile = await intruder.client.reconcile({
      collectionId: target,
      after: null,
      until: null,
      known: [],
    });
    expect(reconcile.status).toBe(404);
    const listed = await server.json<{ upserted: { collectionId: string }[] }>(
      'GET',
      '/v1/collections',
      undefined,
      intruder.client.user.accessToken,
    );
    expect(listed.body.upserted.map((m) => m.collectionId)).toEqual([intruder.collectionId]);
    // An unknown collection answers exactly like a foreign one.
    const unknown = await intruder.client.pull({ [randomUUID()]: 0 });
    expect(unknown.body.code).toBe(pull.body.code);

    const untouched = await pullAll(owner.client, { [target]: 0 });
    expect(untouched.changes).toEqual([expect.objectContaining({ recordId, version: 1 })]);
  });
});

describe('reconcile', () => {
  it('returns what differs in the range, what the client holds that the server lacks, and the seq', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const [same, changed, onlyServer, deleted, onlyClient] = Array.from({ length: 5 }, () => randomUUID());
    await client.push([
      putOp(collectionId, same!, 0),
      putOp(collectionId, changed!, 0),
      putOp(collectionId, changed!, 1),
      putOp(collectionId, onlyServer!, 0),
      putOp(collectionId, deleted!, 0),
      deleteOp(collectionId, deleted!, 1),
    ]);
    const response = await client.reconcile({
      collectionId,
      after: null,
      until: null,
      known: [
        { recordId: same!, version: 1 },
        { recordId: changed!, version: 1 },
        { recordId: deleted!, version: 1 },
        { recordId: onlyClient!, version: 4 },
      ],
    });
    const answer = ReconcileResponse.parse(response.body);
    expect(answer.seq).toBe(6);
    expect(answer.changed.map((r) => r.recordId).sort()).toEqual([changed!, onlyServer!, deleted!].sort());
    expect(answer.changed.find((r) => r.recordId === deleted)).toMatchObject({ deleted: true, version: 2 });
    expect(answer.missing).toEqual([onlyClient]);
    expect(answer).toMatchObject({ hasMore: false, resumeAfter: null });
  });

  it('covers only the requested id range', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const ids = Array.from({ length: 6 }, () => randomUUID()).sort();
    await client.push(ids.map((id) => putOp(collectionId, id, 0)));
    const response = await client.reconcile({ collectionId, after: ids[1]!, until: ids[3]!, known: [] });
    expect(response.body.changed.map((r) => r.recordId)).toEqual([ids[2], ids[3]]);
  });

  it('pages a large range with hasMore and resumeAfter, covering every record exactly once', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const ids = Array.from({ length: 12 }, () => randomUUID()).sort();
    await client.push(ids.map((id) => putOp(collectionId, id, 0)));
    const gone = randomUUID();
    const seen: string[] = [];
    const missing: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      // The client holds nothing but one id the server never had; it sends what falls in the remaining range.
      const known = after === null || gone > after ? [{ recordId: gone, version: 1 }] : [];
      const response = await client.reconcile({ collectionId, after, until: null, known });
      const answer = ReconcileResponse.parse(response.body);
      seen.push(...answer.changed.map((r) => r.recordId));
      missing.push(...answer.missing);
      if (!answer.hasMore) break;
      after = answer.resumeAfter;
    }
    expect(seen).toEqual(ids);
    expect(missing).toEqual([gone]);
  });

  it('refuses more known entries than the limit', async () => {
    const { client, collectionId } = await userWithCollection(server);
    const known = Array.from({ length: server.deps.config.sync.reconcileMaxKnown + 1 }, () => ({
      recordId: randomUUID(),
      version: 1,
    }));
    const response = await client.reconcile({ collectionId, after: null, until: null, known });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('batch_too_large');
  });
});

describe('rate limit', () => {
  it('answers 429 rate_limited with Retry-After once a token spends its burst', async () => {
    const limited = await startTestServer({ env: { RATE_LIMIT_BURST: '2', RATE_LIMIT_PER_SECOND: '1' } });
    try {
      const { client, collectionId } = await userWithCollection(limited);
      const statuses: number[] = [];
      let refused: Awaited<ReturnType<SyncClient['pull']>> | undefined;
      for (let i = 0; i < 6; i++) {
        const response = await client.pull({ [collectionId]: 0 });
        statuses.push(response.status);
        if (response.status === 429) refused = response;
      }
      expect(statuses).toContain(429);
      expect(refused?.body.code).toBe('rate_limited');
      expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
