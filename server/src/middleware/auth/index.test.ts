import type { Problem } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestUser, startTestServer, type TestServer } from '../../test/test-server';
import { requireAuth } from './index';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // A probe route behind the middleware, answering with what it put on the context.
  server.app.get('/test/whoami', requireAuth(server.deps), (c) => c.json(c.get('auth')));
});
afterAll(async () => {
  await server?.close();
});

const whoami = (authorization?: string) =>
  server.request('/test/whoami', authorization ? { headers: { Authorization: authorization } } : undefined);

describe('requireAuth', () => {
  it('puts the user and session of a valid access token on the context', async () => {
    const user = await registerTestUser(server);
    const response = await whoami(`Bearer ${user.accessToken}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: user.userId, sessionId: user.sessionId });
  });

  it('refuses a request without a token, with a Bearer challenge', async () => {
    for (const header of [undefined, 'Basic dXNlcjpwdw==', 'Bearer', 'Bearer two words']) {
      const response = await whoami(header);
      expect(response.status, String(header)).toBe(401);
      expect(((await response.json()) as Problem).code).toBe('unauthorized');
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    }
  });

  it('refuses a token it never issued', async () => {
    const response = await whoami('Bearer hal_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(response.status).toBe(401);
    expect(((await response.json()) as Problem).code).toBe('unauthorized');
  });

  it('refuses an expired token with token_expired, so the client knows to refresh', async () => {
    const user = await registerTestUser(server);
    server.clock.advance(15 * 60 * 1000 + 1);
    const response = await whoami(`Bearer ${user.accessToken}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as Problem).code).toBe('token_expired');
  });

  it('refuses the token of a revoked session at once', async () => {
    const user = await registerTestUser(server);
    await server.deps.db
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: 'test' })
      .where('id', '=', user.sessionId)
      .execute();
    const response = await whoami(`Bearer ${user.accessToken}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as Problem).code).toBe('unauthorized');
  });
});
