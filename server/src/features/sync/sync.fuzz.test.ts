/**
 * Fuzzed request bodies: random text, random JSON, and valid bodies with one field replaced by random JSON.
 * None may produce a 500, and a request that is refused (any 4xx, or a push where nothing applied) must leave
 * the database exactly as it was.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/test-server';
import { ciphertextOf, putOp, type SyncClient, userWithCollection } from './sync.test-helpers';

let server: TestServer;
let client: SyncClient;
let collectionId: string;
let recordId: string;

beforeAll(async () => {
  // Many requests on one token: the rate limit is tested in sync.routes.test.ts, not here.
  server = await startTestServer({ env: { RATE_LIMIT_BURST: '1000000' } });
  ({ client, collectionId } = await userWithCollection(server));
  recordId = randomUUID();
  await client.push([putOp(collectionId, recordId, 0)]);
});
afterAll(() => server?.close());

/** Everything a sync request could change, in one row. */
async function snapshot(): Promise<string> {
  const result = await sql<Record<string, unknown>>`
    select
      (select count(*) from collections) as collections,
      (select coalesce(sum(seq), 0) from collections) as seqs,
      (select count(*) from memberships) as memberships,
      (select count(*) from records) as records,
      (select coalesce(sum(version), 0) from records) as versions,
      (select count(*) from applied_ops) as applied_ops`.execute(server.deps.db);
  return JSON.stringify(result.rows[0]);
}

/** A valid body for each endpoint, to be damaged in one place. */
const templates: Record<string, () => Record<string, unknown>> = {
  '/v1/sync/push': () => ({ ops: [putOp(collectionId, recordId, 1)] }),
  '/v1/sync/pull': () => ({ cursors: { [collectionId]: 0 }, limit: 10, maxBytes: 1000 }),
  '/v1/sync/reconcile': () => ({ collectionId, after: null, until: null, known: [{ recordId, version: 1 }] }),
  '/v1/collections': () => ({ id: randomUUID(), encryptedKey: ciphertextOf(16), keyEpoch: 1 }),
};

/** Paths into a template: top-level keys and the first op's / first known entry's keys. */
function damage(body: Record<string, unknown>, pathIndex: number, value: unknown): Record<string, unknown> {
  const paths: (readonly string[])[] = [];
  for (const [key, inner] of Object.entries(body)) {
    paths.push([key]);
    const first = Array.isArray(inner) ? inner[0] : undefined;
    if (first && typeof first === 'object') for (const k of Object.keys(first)) paths.push([key, '0', k]);
  }
  const path = paths[pathIndex % paths.length]!;
  const copy = structuredClone(body) as Record<string, unknown>;
  let target = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1)!] = value;
  return copy;
}

async function send(path: string, body: string) {
  const response = await server.request(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${client.user.accessToken}`, 'Content-Type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** True when the answer says nothing was written. */
function refused(path: string, status: number, body: Record<string, unknown>): boolean {
  if (status !== 200) return true;
  if (path !== '/v1/sync/push') return path !== '/v1/collections';
  return (body.results as { status: string }[]).every((r) => r.status !== 'applied');
}

describe.each(Object.keys(templates))('fuzzed %s', (path) => {
  const check = async (body: string) => {
    const before = await snapshot();
    const response = await send(path, body);
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
    if (refused(path, response.status, response.body)) expect(await snapshot()).toBe(before);
  };

  it('never fails with a 500 or writes on arbitrary text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 200 }), check), { numRuns: 60 });
  });

  it('never fails with a 500 or writes on arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), (value) => check(JSON.stringify(value))),
      { numRuns: 60 },
    );
  });

  it('never fails with a 500 or writes when one field of a valid body is replaced', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.jsonValue({ maxDepth: 3 }), (pathIndex, value) =>
        check(JSON.stringify(damage(templates[path]!(), pathIndex, value))),
      ),
      { numRuns: 120 },
    );
  });
});
