/**
 * @module Helpers for the sync tests: a user with a collection, op builders, and typed calls to the endpoints
 * through the test server. Only tests import this.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  CreateCollectionResponse,
  Problem,
  PullResponse,
  PushOp,
  PushResponse,
  ReconcileRequest,
  ReconcileResponse,
} from '@halyon/protocol';
import { registerTestUser, type TestResponse, type TestServer, type TestUser } from '../../test/test-server';

export const ciphertextOf = (bytes: number): string => randomBytes(bytes).toString('base64');

export function putOp(
  collectionId: string,
  recordId: string,
  baseVersion: number,
  extra: { ciphertext?: string; group?: string; opId?: string } = {},
): Extract<PushOp, { ciphertext: string }> {
  return {
    opId: extra.opId ?? randomUUID(),
    collectionId,
    recordId,
    baseVersion,
    ciphertext: extra.ciphertext ?? ciphertextOf(32),
    ...(extra.group === undefined ? {} : { group: extra.group }),
  };
}

export function deleteOp(collectionId: string, recordId: string, baseVersion: number): PushOp {
  return { opId: randomUUID(), collectionId, recordId, baseVersion, delete: true };
}

export interface SyncClient {
  readonly user: TestUser;
  createCollection(id?: string): Promise<TestResponse<CreateCollectionResponse & Problem>>;
  push(ops: readonly PushOp[]): Promise<TestResponse<PushResponse & Problem>>;
  pull(
    cursors: Record<string, number>,
    page?: { limit?: number; maxBytes?: number },
  ): Promise<TestResponse<PullResponse & Problem>>;
  reconcile(request: ReconcileRequest): Promise<TestResponse<ReconcileResponse & Problem>>;
}

export function syncClient(server: TestServer, user: TestUser): SyncClient {
  const post = <T>(path: string, body: unknown) =>
    server.json<T & Problem>('POST', path, body, user.accessToken);
  return {
    user,
    createCollection: (id = randomUUID()) =>
      post<CreateCollectionResponse>('/v1/collections', { id, encryptedKey: ciphertextOf(40) }),
    push: (ops) => post<PushResponse>('/v1/sync/push', { ops }),
    pull: (cursors, page = {}) => post<PullResponse>('/v1/sync/pull', { cursors, ...page }),
    reconcile: (request) => post<ReconcileResponse>('/v1/sync/reconcile', request),
  };
}

/** A registered user with one collection of their own. */
export async function userWithCollection(
  server: TestServer,
): Promise<{ client: SyncClient; collectionId: string }> {
  const client = syncClient(server, await registerTestUser(server));
  const collectionId = randomUUID();
  const created = await client.createCollection(collectionId);
  if (created.status !== 200) throw new Error(`create collection failed: ${JSON.stringify(created.body)}`);
  return { client, collectionId };
}

/** Pulls until hasMore is false, returning every change in order and the final cursors. */
export async function pullAll(
  client: SyncClient,
  cursors: Record<string, number>,
  page: { limit?: number; maxBytes?: number } = {},
): Promise<{ changes: PullResponse['changes']; cursors: Record<string, number>; pages: number }> {
  const changes: PullResponse['changes'] = [];
  let current = cursors;
  for (let pages = 1; ; pages++) {
    const response = await client.pull(current, page);
    if (response.status !== 200) throw new Error(`pull failed: ${JSON.stringify(response.body)}`);
    changes.push(...response.body.changes);
    current = response.body.cursors;
    if (!response.body.hasMore) return { changes, cursors: current, pages };
  }
}
