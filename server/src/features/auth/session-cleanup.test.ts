import type { Problem } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestUser, startTestServer, type TestServer } from '../../test/test-server';
import { cleanUpSessions, ENDED_SESSION_RETENTION_MS } from './session-cleanup';
import { tokenToHash } from './tokens';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const DAY_MS = 24 * 60 * 60 * 1000;

const rowExists = async (table: 'access_tokens' | 'refresh_tokens', token: string) =>
  (await server.deps.db
    .selectFrom(table)
    .select('session_id')
    .where('token_hash', '=', tokenToHash(token))
    .executeTakeFirst()) !== undefined;

describe('session cleanup', () => {
  it('deletes expired access tokens and keeps live ones', async () => {
    const user = await registerTestUser(server);
    await cleanUpSessions(server.deps.db, server.clock.now());
    expect(await rowExists('access_tokens', user.accessToken)).toBe(true);

    await cleanUpSessions(server.deps.db, server.clock.now() + 16 * 60 * 1000);
    expect(await rowExists('access_tokens', user.accessToken)).toBe(false);
    expect(await rowExists('refresh_tokens', user.refreshToken)).toBe(true);
  });

  it('keeps a rotated refresh token until it expires, so its reuse is still caught', async () => {
    const user = await registerTestUser(server);
    expect((await server.json('POST', '/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(
      200,
    );
    await cleanUpSessions(server.deps.db, server.clock.now() + DAY_MS);
    const reuse = await server.json<Problem>('POST', '/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(reuse.body.code).toBe('refresh_token_reused');
  });

  it('deletes sessions that ended longer ago than the retention, with their tokens', async () => {
    const user = await registerTestUser(server);
    await server.json('POST', '/v1/auth/logout', undefined, user.accessToken);
    const session = () =>
      server.deps.db.selectFrom('sessions').select('id').where('id', '=', user.sessionId).executeTakeFirst();

    await cleanUpSessions(server.deps.db, server.clock.now() + DAY_MS);
    expect(await session()).toBeDefined();
    await cleanUpSessions(server.deps.db, server.clock.now() + ENDED_SESSION_RETENTION_MS + DAY_MS);
    expect(await session()).toBeUndefined();
    expect(await rowExists('refresh_tokens', user.refreshToken)).toBe(false);
  });
});
