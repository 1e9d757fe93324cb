import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../http/app-env';
import { requestId } from './index';

const app = new Hono<AppEnv>().use(requestId()).get('/', (c) => c.text(c.get('requestId')));

describe('request id', () => {
  it('gives every request a fresh id, in the header and to handlers', async () => {
    const first = await app.request('/');
    const second = await app.request('/');
    expect(first.headers.get('x-request-id')).toBe(await first.text());
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
  });

  it("keeps a proxy's plain id and replaces one that could forge log lines", async () => {
    const kept = await app.request('/', { headers: { 'X-Request-Id': 'edge-1234.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-1234.abc');
    const replaced = await app.request('/', { headers: { 'X-Request-Id': 'x"}{"level":"error' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await app.request('/', { headers: { 'X-Request-Id': 'a'.repeat(65) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
